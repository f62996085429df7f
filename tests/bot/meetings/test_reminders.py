"""Reminders: due by the test's clock, claimed once, only to confirmed people."""

from datetime import timedelta

from sqlmodel import select

from bot.meetings.reminders import send_reminders
from bot.meetings.seats import sign_up
from bot.meetings.store import aware, meeting_sessions
from bot.outbox.models import Delivery
from tests.bot.meetings.conftest import person


async def _reminders(services) -> list[Delivery]:
    async with services.sessions() as db:
        rows = await db.exec(select(Delivery).where(Delivery.template == "meeting.notice"))
        return [d for d in rows if d.data.get("reason") == "reminder"]


async def test_reminders_go_out_a_week_and_a_day_before_once(services, make_meeting, clock):
    meeting = await make_meeting(capacities=(1,), days_ahead=10)
    async with services.sessions() as db:
        (session,) = await meeting_sessions(db, meeting.id)
    await sign_up(services, person("U1"), session.id)
    await sign_up(services, person("U2"), session.id)  # waitlisted: no reminder
    start = aware(session.starts_at)
    assert await send_reminders(services, start - timedelta(days=8)) == 0
    assert await send_reminders(services, start - timedelta(days=7)) == 1
    assert await send_reminders(services, start - timedelta(days=6)) == 0
    await services.scheduler.run_due(start - timedelta(hours=23))
    await services.scheduler.run_due(start - timedelta(hours=22))
    sent = await _reminders(services)
    assert [(d.user_id, d.data["days"]) for d in sent] == [("U1", 7), ("U1", 1)]


async def test_a_meeting_made_late_gets_only_the_nearest_reminder(services, make_meeting):
    meeting = await make_meeting(capacities=(5,), days_ahead=3)
    async with services.sessions() as db:
        (session,) = await meeting_sessions(db, meeting.id)
    await sign_up(services, person("U1"), session.id)
    start = aware(session.starts_at)
    assert await send_reminders(services, start - timedelta(days=2)) == 0  # 7 days: passed
    assert await send_reminders(services, start - timedelta(hours=20)) == 1


async def test_the_invitation_says_closed_once_the_deadline_passed(services, make_meeting,
                                                                   clock):
    from bot.meetings.reminders import close_at_deadline
    from bot.outbox.models import Kind

    meeting = await make_meeting(capacities=(5,), deadline_days=2)
    assert await close_at_deadline(services, clock()) == 0
    later = clock() + timedelta(days=2, minutes=1)
    assert await close_at_deadline(services, later) == 1
    assert await close_at_deadline(services, later) == 0
    async with services.sessions() as db:
        updates = list(await db.exec(select(Delivery).where(Delivery.kind == Kind.UPDATE)))
    assert [d.topic for d in updates] == [f"meeting:{meeting.id}"]


async def _one_confirmed(services, make_meeting):
    """A session ten days ahead with U1 confirmed; the session and its start."""
    meeting = await make_meeting(capacities=(5,), days_ahead=10)
    async with services.sessions() as db:
        (session,) = await meeting_sessions(db, meeting.id)
    await sign_up(services, person("U1"), session.id)
    return session, aware(session.starts_at)


async def test_a_session_put_off_by_a_week_gets_its_reminders_again(
        services, make_meeting, clock, coordinator):
    from bot.meetings.planning import SessionChange, change_session

    session, start = await _one_confirmed(services, make_meeting)
    assert await send_reminders(services, start - timedelta(days=7)) == 1
    assert await send_reminders(services, start - timedelta(hours=23)) == 1
    clock.now = start - timedelta(hours=20)  # the day before, it is put off by a week
    local_day = start.astimezone(services.covenant.zone).date()
    await change_session(services, coordinator, session.id,
                         SessionChange(day=local_day + timedelta(days=7)))
    later = start + timedelta(days=7)
    assert await send_reminders(services, clock.now + timedelta(minutes=1)) == 0
    assert await send_reminders(services, later - timedelta(days=7)) == 1
    assert await send_reminders(services, later - timedelta(days=6)) == 0
    assert await send_reminders(services, later - timedelta(hours=23)) == 1
    sent = await _reminders(services)
    assert [d.data["days"] for d in sent] == [7, 1, 7, 1]


async def test_a_session_moved_after_its_reminder_does_not_repeat_it(
        services, make_meeting, clock, coordinator):
    from bot.meetings.planning import SessionChange, change_session

    session, start = await _one_confirmed(services, make_meeting)
    assert await send_reminders(services, start - timedelta(hours=23)) == 1
    clock.now = start - timedelta(hours=20)
    await change_session(services, coordinator, session.id, SessionChange(location="Zaal 9"))
    # Everyone confirmed just had the change (with its .ics); the day-before reminder is past.
    assert await send_reminders(services, start - timedelta(hours=19)) == 0
    assert [d.data["days"] for d in await _reminders(services)] == [1]
