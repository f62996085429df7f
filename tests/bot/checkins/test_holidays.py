"""The due job on the calendar: a round due on King's Day opens the day after; a round that
opens in winter time and closes in summer time closes at 09:00 Amsterdam time."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.checkins.calendar import Cadence
from bot.checkins.rounds import run_due_steps
from tests.bot.checkins.conftest import CHANNEL, make_schedule
from tests.bot.checkins.test_rounds import posts_to, rounds

ZONE = ZoneInfo("Europe/Amsterdam")


def amsterdam(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE).astimezone(UTC)


async def test_a_round_due_on_kings_day_opens_the_next_working_day(checkins, slack_api):
    # Monthly on the 27th: 27 March 2027 is a Saturday before Easter, 27 April King's Day.
    await make_schedule(checkins, cadence=Cadence.MONTHLY, first=amsterdam(2027, 3, 27, 9))
    await run_due_steps(checkins, amsterdam(2027, 3, 27, 9))
    await run_due_steps(checkins, amsterdam(2027, 3, 29, 9))  # Easter Monday
    assert await rounds(checkins) == []
    await run_due_steps(checkins, amsterdam(2027, 3, 30, 9))
    march = (await rounds(checkins))[-1]
    assert march.period == "2027-03" and march.opens_at == amsterdam(2027, 3, 30, 9)
    await run_due_steps(checkins, march.closes_at)
    await run_due_steps(checkins, amsterdam(2027, 4, 27, 10))
    assert (await rounds(checkins))[-1].period == "2027-03"
    await run_due_steps(checkins, amsterdam(2027, 4, 28, 9))
    april = (await rounds(checkins))[-1]
    assert april.period == "2027-04" and april.opens_at == amsterdam(2027, 4, 28, 9)
    await checkins.outbox.run_once(april.opens_at)
    assert [p["text"][:18] for p in posts_to(slack_api, CHANNEL)
            if p["text"].startswith("*Check-in")] == ["*Check-in 2027-03*", "*Check-in 2027-04*"]


async def test_a_round_into_summer_time_closes_at_nine_amsterdam_time(checkins, slack_api):
    await make_schedule(checkins, cadence=Cadence.MONTHLY, first=amsterdam(2027, 3, 24, 9))
    await run_due_steps(checkins, amsterdam(2027, 3, 24, 9))
    [march] = await rounds(checkins)
    assert march.opens_at == datetime(2027, 3, 24, 8, tzinfo=UTC)      # CET
    assert march.closes_at == datetime(2027, 4, 9, 7, tzinfo=UTC)      # CEST: 09:00 still
    await run_due_steps(checkins, march.closes_at - timedelta(seconds=1))
    assert (await rounds(checkins))[0].state == "open"
    await run_due_steps(checkins, march.closes_at)
    assert (await rounds(checkins))[0].state == "closed"
