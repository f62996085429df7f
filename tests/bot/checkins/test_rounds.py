"""A schedule's life on both databases: open, answer, edit, remind, close with results and a
chart, actions reviewed in the next round; each step exactly once."""

from datetime import timedelta

from sqlmodel import select

from bot.checkins.answers import ActionInput, Saved, add_action, mark_done, save_answers
from bot.checkins.models import CheckinRound, as_utc
from bot.checkins.questions import load_form
from bot.checkins.rounds import run_due_steps
from tests.bot.checkins.conftest import CHANNEL, FIRST, answers, make_schedule, person


async def rounds(services) -> list[CheckinRound]:
    """The rounds, with their times as aware UTC (SQLite hands them back without a zone)."""
    async with services.sessions() as session:
        found = list(await session.exec(select(CheckinRound).order_by(CheckinRound.id)))
    for each in found:
        each.opens_at, each.remind_at = as_utc(each.opens_at), as_utc(each.remind_at)
        each.closes_at = as_utc(each.closes_at)
    return found


def posts_to(slack_api, channel: str) -> list[dict]:
    return [c for c in slack_api.calls_to("chat.postMessage") if c.get("channel") == channel]


async def test_schedule_opens_reminds_closes_with_results_chart_and_actions(
        checkins, slack_api):
    services = checkins
    form = load_form(services.settings.content_dir)
    await make_schedule(services)
    await run_due_steps(services, FIRST - timedelta(minutes=1))
    assert await rounds(services) == []

    await run_due_steps(services, FIRST)
    await run_due_steps(services, FIRST + timedelta(minutes=1))  # a second run: nothing new
    [first] = await rounds(services)
    assert first.period == "2027-Q1"
    await services.outbox.run_once(FIRST)
    [prompt] = posts_to(slack_api, CHANNEL)
    assert "Check-in 2027-Q1" in prompt["text"]
    assert "Invullen" in str(prompt["blocks"])

    now = FIRST + timedelta(days=1)
    assert await save_answers(services.sessions, form, person("U1"), first.id, answers(2),
                              now) is Saved.NEW
    assert await save_answers(services.sessions, form, person("U1"), first.id,
                              answers(3, goes_well="Het overleg"), now) is Saved.UPDATED
    await save_answers(services.sessions, form, person("U2"), first.id, answers(4), now)
    await save_answers(services.sessions, form, person("U3"), first.id,
                       answers(5, A=1, should_change="Meer regie"), now)

    await run_due_steps(services, first.remind_at)
    await run_due_steps(services, first.remind_at + timedelta(hours=1))
    await services.outbox.run_once(first.remind_at + timedelta(hours=1))
    reminders = [c for c in slack_api.calls_to("chat.postMessage") if "Herinnering" in c["text"]]
    assert [c["channel"] for c in reminders] == ["U4"]

    await run_due_steps(services, first.closes_at)
    await run_due_steps(services, first.closes_at + timedelta(minutes=5))
    await services.outbox.run_once(first.closes_at + timedelta(minutes=5))
    results = [c for c in slack_api.calls_to("chat.postMessage") if "Uitslag" in c["text"]]
    assert sorted(c["channel"] for c in results) == [CHANNEL, "UCOORD"]
    channel_result = str(next(c for c in results if c["channel"] == CHANNEL)["blocks"])
    assert "Respons: 3 van 4 (75%)" in channel_result
    assert "Zwakste conditie: A Ambitie" in channel_result
    assert "Meer regie" in channel_result and "Het overleg" in channel_result
    [chart] = slack_api.files
    assert chart["bytes"].startswith(b"\x89PNG")
    assert (await rounds(services))[0].state == "closed"

    async with services.sessions() as session:
        action = await add_action(session, first.id, ActionInput("Regiegroep instellen", "Ans"),
                                  by=person("U2"))
        await session.commit()
    second_opens = FIRST.replace(month=4, day=5, hour=7)  # 5 April 2027, 09:00 summer time
    await run_due_steps(services, second_opens)
    await services.outbox.run_once(second_opens)
    prompt_two = posts_to(slack_api, CHANNEL)[-1]
    assert "2027-Q2" in prompt_two["text"] and "Regiegroep instellen" in str(prompt_two["blocks"])
    async with services.sessions() as session:
        await mark_done(session, action.id, by=person("U2"))
        await session.commit()
    second = (await rounds(services))[1]
    for user in ("U1", "U2", "U3"):
        await save_answers(services.sessions, form, person(user), second.id, answers(4),
                           second_opens)
    await run_due_steps(services, second.closes_at)
    await services.outbox.run_once(second.closes_at)
    last = [c for c in slack_api.calls_to("chat.postMessage") if "Uitslag" in c["text"]][-1]
    assert "1 van 1 gedaan" in str(last["blocks"])
    assert "↑" in str(last["blocks"])
    assert len(slack_api.files) == 2
