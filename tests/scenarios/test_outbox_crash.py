"""Nothing lost, nothing twice, across a crash: a real `convenantbot serve` process is killed
(SIGKILL) in the middle of a 30-channel send and started again; every channel ends up with
exactly one post. Also: two dispatchers on one database send every delivery once, and reads
acked just before a SIGKILL are all counted."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.announcements.desk import read_count
from bot.announcements.models import Announcement, Status
from bot.database import create_engine, migrate, session_factory
from bot.identity import ChannelRef
from bot.meetings.models import Meeting, MeetingSession, Registration, SignUpRequest
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.models import Delivery, State
from bot.outbox.queue import enqueue
from bot.settings import Settings
from handlers.slack import announcements_ids as announcement_ids
from handlers.slack import meetings_ids as meeting_ids
from handlers.slack.sender import TEXT_TEMPLATE, SlackSender
from tests.conftest import BOT_TOKEN, REPO, SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver
from tests.fakes.slack_real_ts import use_real_time_ts

CHANNELS = [f"C{n:02d}" for n in range(1, 31)]
LEASE = 3  # seconds: short, so the restarted process reconciles soon


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_serve(database_url: str, slack_api_url: str, log: Path, *,
                 port: int | None = None) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OUTBOX_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": database_url,
        "OUTBOX_LEASE_SECONDS": str(LEASE),
        "OUTBOX_POLL_SECONDS": "0.2",
        "HOST": "127.0.0.1",
        "PORT": str(port or _free_port()),
        "LOG_LEVEL": "INFO",
    }
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


async def _enqueue_fan_out(sessions, channels: list[str]) -> None:
    async with sessions() as session:
        for channel in channels:
            await enqueue(session, key=f"crash:post:{channel}",
                          target=ChannelRef("slack", TEAM, channel), template=TEXT_TEMPLATE,
                          data={"text": f"Aankondiging voor {channel}"}, topic="crash:1")
        await session.commit()


async def _states(sessions) -> dict[int, Delivery]:
    async with sessions() as session:
        from sqlmodel import select

        return {row.id: row for row in await session.exec(select(Delivery))}


def _tail(log: Path, size: int = 4000) -> str:
    return log.read_text()[-size:]


async def _wait_all_sent(sessions, process: subprocess.Popen, log: Path, *,
                         within: float = 90.0) -> dict[int, Delivery]:
    deadline = time.monotonic() + within
    while True:
        rows = await _states(sessions)
        if rows and all(row.state == State.SENT for row in rows.values()):
            return rows
        if process.poll() is not None:
            raise AssertionError(f"serve exited ({process.returncode}):\n{_tail(log)}")
        if time.monotonic() > deadline:
            summary = {row.channel_id: row.state for row in rows.values()}
            raise AssertionError(f"not all sent: {summary}\n{_tail(log)}")
        await asyncio.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_sigkill_in_the_middle_of_a_30_channel_send_then_restart_posts_each_once(
        database_url, slack_api, tmp_path):
    use_real_time_ts(slack_api)
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    # The 10th post reaches Slack, but its answer never reaches the bot: the process dies
    # with that delivery SENDING, posted, and without its ts.
    posts = [0]
    answered = asyncio.Event()
    post_message = slack_api._methods["chat.postMessage"]

    async def post_and_hang_on_the_tenth(args: dict) -> dict:
        result = post_message(args)
        posts[0] += 1
        if posts[0] == 10:
            await answered.wait()
        return result

    slack_api._methods["chat.postMessage"] = post_and_hang_on_the_tenth
    slack_api.set_workspace_rate(per_second=20.0)
    slack_api.set_channel_rate("chat.postMessage", per_second=1.0)
    await _enqueue_fan_out(sessions, CHANNELS)
    log = tmp_path / "serve.log"
    first = _start_serve(database_url, slack_api.base_url, log)
    second = None
    try:
        await slack_api.wait_until(lambda: posts[0] >= 10 or first.poll() is not None,
                                   timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        answered.set()
        before = await _states(sessions)
        posted_before = sum(len(slack_api.messages(channel)) for channel in CHANNELS)
        states_before = sorted(row.state for row in before.values())
        assert 10 <= posted_before < len(CHANNELS), states_before
        assert State.SENDING in states_before and State.PENDING in states_before

        second = _start_serve(database_url, slack_api.base_url, log)
        rows = await _wait_all_sent(sessions, second, log)
    finally:
        answered.set()
        for process in (first, second):
            if process is not None:
                _stop(process)
        await engine.dispose()

    for channel in CHANNELS:
        messages = slack_api.messages(channel)
        assert len(messages) == 1, (channel, messages)
    # The delivery that was posted but not recorded kept the ts of its post.
    by_channel = {row.channel_id: row for row in rows.values()}
    for channel in CHANNELS:
        assert by_channel[channel].message_id == slack_api.messages(channel)[0]["ts"]
    assert "was posted before the crash" in _tail(log, size=10**7)
    assert slack_api.rate_limited_count == 0


@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
async def test_two_running_dispatchers_on_one_postgresql_send_each_delivery_once(
        database_url, slack_api):
    slack_api.set_workspace_rate(per_second=20.0)
    engines = [create_engine(database_url) for _ in range(2)]
    await migrate(engines[0])
    settings = Settings.model_construct(outbox_poll_seconds=0.05)
    dispatchers = []
    for engine in engines:
        dispatcher = Dispatcher(session_factory(engine), settings=settings)
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack_api.base_url)
        dispatcher.add_sender(SlackSender(client, {}))
        dispatchers.append(dispatcher)
    sessions = session_factory(engines[0])
    try:
        for dispatcher in dispatchers:
            await dispatcher.start()
        await _enqueue_fan_out(sessions, CHANNELS)
        for dispatcher in dispatchers:
            dispatcher.wake()

        async def all_sent() -> bool:
            rows = await _states(sessions)
            return bool(rows) and all(row.state == State.SENT for row in rows.values())

        deadline = time.monotonic() + 30
        while not await all_sent():
            assert time.monotonic() < deadline, await _states(sessions)
            await asyncio.sleep(0.05)
    finally:
        for dispatcher in dispatchers:
            await dispatcher.stop()
        for engine in engines:
            await engine.dispose()
    assert all(len(slack_api.messages(channel)) == 1 for channel in CHANNELS)
    assert len(slack_api.calls_to("chat.postMessage")) == len(CHANNELS)


async def _ready(http: httpx.AsyncClient, url: str, process: subprocess.Popen,
                 log: Path) -> None:
    deadline = time.monotonic() + 120  # the guidance index is built at start
    while True:
        assert process.poll() is None, _tail(log)
        assert time.monotonic() < deadline, _tail(log)
        try:
            if (await http.get(f"{url}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)


async def _clicks_then_sigkill(database_url: str, slack_api, log: Path, action_id: str,
                               value: str, count: int) -> None:
    """`count` people click the button at once; the process is killed as soon as the last
    click is acked, before the work that follows the acks."""
    port = _free_port()
    process = _start_serve(database_url, slack_api.base_url, log, port=port)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            url = f"http://127.0.0.1:{port}"
            await _ready(http, url, process, log)
            slack = SlackDriver(http, url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)
            clicks = await asyncio.gather(*(slack.click(action_id, value, user=f"U{n:03d}")
                                            for n in range(count)))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        assert [response.status_code for response, _ in clicks] == [200] * count
    finally:
        _stop(process)


async def test_sigkill_right_after_40_read_clicks_were_acked_loses_none_of_them(
        database_url, slack_api, tmp_path):
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            announcement = Announcement(
                platform="slack", workspace_id=TEAM, created_by="UCOORD",
                title="Het convenant is getekend", body="Samen verder.", channels=["C1"],
                state=Status.SENT)
            session.add(announcement)
            await session.commit()
            announcement_id = announcement.id
        await _clicks_then_sigkill(database_url, slack_api, tmp_path / "serve.log",
                                   announcement_ids.READ, str(announcement_id), 40)
        async with sessions() as session:
            assert await read_count(session, announcement_id) == 40
    finally:
        await engine.dispose()


async def test_sigkill_right_after_40_sign_ups_were_acked_then_a_restart_decides_each_once(
        database_url, slack_api, tmp_path):
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    starts = datetime.now(UTC) + timedelta(days=10)
    log = tmp_path / "serve.log"
    second = None
    try:
        async with sessions() as db:
            meeting = Meeting(platform="slack", workspace_id=TEAM, title="Kennismaking",
                              channels=["C1"], created_by="UCOORD")
            db.add(meeting)
            await db.flush()
            seats = MeetingSession(meeting_id=meeting.id, starts_at=starts,
                                   ends_at=starts + timedelta(hours=2), capacity=10)
            db.add(seats)
            await db.commit()
            session_id = seats.id
        await _clicks_then_sigkill(database_url, slack_api, log, meeting_ids.SIGN_UP,
                                   str(session_id), 40)
        second = _start_serve(database_url, slack_api.base_url, log)
        deadline = time.monotonic() + 90
        while True:
            async with sessions() as db:
                registrations = list(await db.exec(select(Registration)))
                left = list(await db.exec(select(SignUpRequest)))
            if len(registrations) == 40 and not left:
                break
            assert second.poll() is None, _tail(log)
            assert time.monotonic() < deadline, (len(registrations), len(left), _tail(log))
            await asyncio.sleep(0.2)
    finally:
        if second is not None:
            _stop(second)
        await engine.dispose()
    statuses = Counter(registration.status for registration in registrations)
    assert statuses == {"confirmed": 10, "waitlisted": 30}
    assert len({registration.user_id for registration in registrations}) == 40
    assert sorted(registration.position for registration in registrations) == list(
        range(1, 41))
