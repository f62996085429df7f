"""The data layer on a real database: SQLite, and PostgreSQL when reachable."""

from sqlalchemy import text

from bot.database import create_engine, head_revision, migrate
from bot.events import claim_event
from bot.identity import Person


async def test_migrations_are_idempotent_and_sqlite_runs_in_wal(database_url):
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        await migrate(engine)
        async with engine.connect() as connection:
            version = (await connection.execute(text("SELECT version_num FROM alembic_version"))
                       ).scalar_one()
            assert version == head_revision()
            if engine.dialect.name == "sqlite":
                mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
                assert mode == "wal"
    finally:
        await engine.dispose()


async def test_an_event_is_claimed_once_per_workspace(services):
    sessions = services.desk.sessions
    first = await claim_event(sessions, platform="slack", workspace_id="T1", event_id="Ev1")
    again = await claim_event(sessions, platform="slack", workspace_id="T1", event_id="Ev1")
    other_team = await claim_event(sessions, platform="slack", workspace_id="T2", event_id="Ev1")
    assert (first, again, other_team) == (True, False, True)


async def test_questions_and_feedback_stay_within_their_workspace(services):
    desk = services.desk
    alice = Person("slack", "T1", "UALICE")
    bob = Person("slack", "T2", "UBOB")
    asked = await desk.ask(alice, "Wat is het menu in de kantine op vrijdag?")
    await desk.ask(bob, "Hoe laat sluit de parkeergarage?")
    assert not asked.answer.confident
    listed = await desk.unanswered(platform="slack", workspace_id="T1")
    assert [q.text for q in listed] == ["Wat is het menu in de kantine op vrijdag?"]
    assert await desk.record_feedback(bob, asked.id, helpful=False) is None


async def test_a_second_vote_replaces_the_first(services):
    desk = services.desk
    person = Person("slack", "T1", "U1")
    asked = await desk.ask(person, "Hoe deel ik het bericht op het intranet?")
    await desk.record_feedback(person, asked.id, helpful=False)
    await desk.record_feedback(Person("slack", "T1", "U2"), asked.id, helpful=False)
    [item] = await desk.unhelpful(platform="slack", workspace_id="T1")
    assert item.votes == 2
    await desk.record_feedback(person, asked.id, helpful=True)
    [item] = await desk.unhelpful(platform="slack", workspace_id="T1")
    assert item.votes == 1


async def test_questions_and_votes_are_stamped_with_the_bots_clock(services, clock):
    from datetime import timedelta

    from sqlmodel import select

    from bot.questions.models import Feedback, Question

    clock.now -= timedelta(days=3)  # the clock the coordinators' lists are dated by
    person = Person("slack", "T1", "U1")
    asked = await services.desk.ask(person, "Wat is het menu in de kantine op vrijdag?")
    await services.desk.record_feedback(person, asked.id, helpful=False)
    async with services.sessions() as session:
        question = (await session.exec(select(Question))).one()
        vote = (await session.exec(select(Feedback))).one()
    for stamp in (question.asked_at, vote.given_at):
        assert abs(stamp.replace(tzinfo=clock.now.tzinfo) - clock.now) < timedelta(seconds=1)


async def test_data_survives_a_restart(settings):
    from bot.app import build_services

    first = await build_services(settings)
    asked = await first.desk.ask(Person("slack", "T1", "U1"), "Wat is de dresscode op kantoor?")
    await first.close()
    second = await build_services(settings)
    try:
        listed = await second.desk.unanswered(platform="slack", workspace_id="T1")
        assert [q.id for q in listed] == [asked.id]
    finally:
        await second.close()
