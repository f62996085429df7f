"""Catching up after downtime: a missed round opens once when the bot is back; a round whose
closing passed while down closes once, before the next one opens."""

from datetime import timedelta

from bot.checkins.rounds import run_due_steps, send_reminders
from tests.bot.checkins.conftest import CHANNEL, FIRST, make_schedule
from tests.bot.checkins.test_rounds import posts_to, rounds


async def test_a_round_missed_while_down_opens_once_with_a_fresh_window(checkins, slack_api):
    await make_schedule(checkins)
    back = FIRST + timedelta(days=20)  # down through the whole first window
    await run_due_steps(checkins, back)
    await run_due_steps(checkins, back + timedelta(minutes=1))
    [missed] = await rounds(checkins)
    assert missed.period == "2027-Q1" and missed.opens_at == back
    assert missed.closes_at > back + timedelta(days=10)
    await checkins.outbox.run_once(back)
    assert len(posts_to(slack_api, CHANNEL)) == 1


async def test_a_close_missed_while_down_happens_once_then_the_next_round_opens(
        checkins, slack_api):
    await make_schedule(checkins)
    await run_due_steps(checkins, FIRST)
    back = FIRST.replace(month=4, day=5, hour=8)  # after Q2 opened, reminder and close missed
    for _ in range(3):
        await run_due_steps(checkins, back)
    first, second = await rounds(checkins)
    assert first.state == "closed" and not first.reminded and second.state == "open"
    assert await send_reminders(checkins, first.id, back) is None  # closed: no late reminder
    await checkins.outbox.run_once(back)
    texts = [c["text"] for c in posts_to(slack_api, CHANNEL)]
    assert [t.split()[0:3] for t in texts] == [["*Check-in", "2027-Q1*", "📋"],
                                             ["Uitslag", "check-in", "2027-Q1"],
                                             ["*Check-in", "2027-Q2*", "📋"]]
