"""A fan-out through the running app: the real ASGI app with its outbox dispatcher (as
`convenantbot serve` runs it), the fake Slack enforcing Slack's limits, /vraag answered
meanwhile; a 429 in the middle holds every waiting post back, and each channel still
gets exactly one post."""

import asyncio
import time
from datetime import timedelta

from bot.identity import ChannelRef
from bot.outbox.models import Delivery, State
from bot.outbox.queue import enqueue
from handlers.slack.sender import TEXT_TEMPLATE
from tests.conftest import SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver
from tests.fakes.slack_real_ts import use_real_time_ts

CHANNELS = [f"CF{n:02d}" for n in range(24)]


def _time_posts(slack_api) -> list[tuple[float, str, bool]]:
    """Records (when, channel, ok) of every chat.postMessage that reached the method."""
    seen: list[tuple[float, str, bool]] = []
    post_message = slack_api._methods["chat.postMessage"]

    def timed(args: dict) -> dict:
        seen.append((time.monotonic(), str(args.get("channel")), True))
        return post_message(args)

    slack_api._methods["chat.postMessage"] = timed
    return seen


async def _rows(services) -> list[Delivery]:
    from sqlmodel import select

    async with services.sessions() as session:
        return list(await session.exec(select(Delivery)))


async def _poll(condition, what: str, within: float = 15.0):
    deadline = time.monotonic() + within
    while not (value := await condition()):
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)
    return value


async def test_a_429_in_the_middle_of_a_fan_out_holds_back_every_waiting_post(
        services, bot_url, slack_api, http, clock):
    use_real_time_ts(slack_api)
    slack_api.set_channel_rate("chat.postMessage", per_second=1.0)
    slack_api.set_workspace_rate(per_second=20.0)
    posts = _time_posts(slack_api)
    async with services.sessions() as session:
        for channel in CHANNELS:
            await enqueue(session, key=f"fan:post:{channel}",
                          target=ChannelRef("slack", TEAM, channel), template=TEXT_TEMPLATE,
                          data={"text": f"Nieuws voor {channel}"}, topic="fan:1")
        await session.commit()
    services.outbox.wake()
    await slack_api.wait_until(lambda: len(posts) >= 8, timeout=10)
    # Slack says: slow down, for 30 seconds.
    slack_api.rate_limit("chat.postMessage", times=1, retry_after=30)
    await slack_api.wait_until(lambda: slack_api.rate_limited_count == 1, timeout=10)
    hold = clock() + timedelta(seconds=30)

    async def held() -> list[Delivery]:
        rows = await _rows(services)
        waiting = [row for row in rows if row.state != State.SENT]
        settled = all(row.state == State.PENDING and row.not_before.replace(tzinfo=None)
                      >= hold.replace(tzinfo=None) - timedelta(seconds=1) for row in waiting)
        return rows if waiting and settled else []

    await _poll(held, "every waiting delivery held back until the Retry-After")
    posted = len(posts)
    assert posted < len(CHANNELS)
    assert await services.outbox.run_once() == 0  # nothing is due before the hold ends
    assert len(posts) == posted

    # Q&A goes on meanwhile.
    driver = SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)
    response, key = await driver.command("wat is het convenant?", user="U1")
    assert response.status_code == 200
    await driver.responses(key)

    clock.advance(seconds=30)
    services.outbox.wake()

    async def all_sent() -> list[Delivery]:
        rows = await _rows(services)
        return rows if all(row.state == State.SENT for row in rows) else []

    rows = await _poll(all_sent, "every delivery SENT after the hold")
    for channel in CHANNELS:
        assert len(slack_api.messages(channel)) == 1, channel
    assert slack_api.rate_limited_count == 1
    assert {row.attempts for row in rows} == {1}  # a 429 is not a failed attempt
