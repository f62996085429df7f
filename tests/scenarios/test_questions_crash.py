"""Every acked question gets an answer across SIGKILL and SIGTERM, exactly one; the one
exception is a slash command's answer on the wire at the instant of a SIGKILL, which is sent
again, as it may or may not have arrived and a response_url cannot be asked. A real
`convenantbot serve` process (python -m bot serve), answering through the fake Slack in this
test process, killed right after its acks and started again on the same database."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.database import create_engine
from tests.conftest import BOT_TOKEN, CONTENT, SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver

QUESTIONS = ["Hoe deel ik het convenantbericht intern met mijn collega's?",
             "Hoeveel vakantiedagen heb ik dit jaar nog over?",
             "How should we share the covenant news on LinkedIn?",
             "Wie nodig ik uit voor de startbijeenkomst?", "help"]
STARTUP_DEADLINE = 120.0  # seconds: the guidance index is built at start, on a busy machine
ANSWER_DEADLINE = 120.0  # an answer abandoned by a killed process waits out its lease
LEASE_SECONDS = 5  # instead of 20: how long a killed process's answers wait to be taken over


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BotProcess:
    """`python -m bot serve` on loopback; started, killed and started again by the test."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.env, self.workdir = env, workdir
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    async def start(self, http: httpx.AsyncClient) -> None:
        self.starts += 1
        self.process = self._spawn(self.workdir / f"bot-{self.starts}.log")
        deadline = time.monotonic() + STARTUP_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}: "
                                     f"{self.log()}")
            try:
                if (await http.get(f"{self.url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not start within {STARTUP_DEADLINE}s: {self.log()}")

    def _spawn(self, log_path: Path) -> subprocess.Popen:
        with log_path.open("w") as log:
            return subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=self.env,
                                    cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)

    async def stop(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return await asyncio.to_thread(self.process.wait, 60)

    def log(self) -> str:
        return (self.workdir / f"bot-{self.starts}.log").read_text()[-3000:]


@pytest.fixture
async def bot(database_url, slack_api, tmp_path, http):
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_APP_TOKEN": "", "SLACK_API_URL": slack_api.base_url,
           "DATABASE_URL": database_url, "CONTENT_DIR": str(CONTENT), "HOST": "127.0.0.1",
           "PORT": str(_free_port()), "COORDINATOR_IDS": "", "LOG_LEVEL": "INFO",
           "QUESTION_LEASE_SECONDS": str(LEASE_SECONDS)}
    process = BotProcess(env, tmp_path)
    await process.start(http)
    yield process
    if process.process is not None and process.process.poll() is None:
        process.process.kill()
        await asyncio.to_thread(process.process.wait, 60)


@pytest.fixture
def slack(http, bot, slack_api) -> SlackDriver:
    return SlackDriver(http, bot.url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


async def _open_requests(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(
                "SELECT count(*) FROM question_request WHERE state <> 'answered'"))).scalar_one()
    finally:
        await engine.dispose()


async def _on_the_wire(database_url: str) -> set[str]:
    """The requests a killed process was sending (response_url key, or thread ts): the only
    ones that may be answered twice, as nobody can ask whether a post arrived."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT response_url, thread_ts FROM question_request "
                "WHERE state = 'sending'"))).all()
    finally:
        await engine.dispose()
    return {url.rsplit("/", 1)[-1] if url else thread_ts for url, thread_ts in rows}


async def _until_all_answered(database_url: str, delivered, expected: set[str]) -> Counter:
    """Waits until every expected answer arrived and no request is open; what arrived, by
    key (once nothing is open, nothing more can be sent)."""
    deadline = time.monotonic() + ANSWER_DEADLINE
    while time.monotonic() < deadline:
        counts = delivered()
        if expected <= set(counts) and await _open_requests(database_url) == 0:
            return delivered()
        await asyncio.sleep(0.2)
    raise AssertionError(f"unanswered after {ANSWER_DEADLINE}s: {expected - set(delivered())}")


async def _acked_then_stopped(requests, bot: BotProcess, signum: int, *, acks: int
                              ) -> tuple[set[str], int | None]:
    """Sends every request at once and stops the bot the moment `acks` of them were acked
    (the rest are cut off mid-flight: not acked, so not promised an answer). Returns the
    names of the acked ones and the bot's exit code."""
    acked: set[str] = set()
    pending = [asyncio.ensure_future(request) for request in requests]
    for finished in asyncio.as_completed(pending):
        try:
            name, status = await finished
        except httpx.TransportError:
            continue
        if status == 200:
            acked.add(name)
        if len(acked) == acks:
            break
    assert len(acked) == acks
    code = await bot.stop(signum)
    await asyncio.gather(*pending, return_exceptions=True)
    return acked, code


async def _command(slack: SlackDriver, n: int) -> tuple[str, int]:
    response, key = await slack.command(QUESTIONS[n % len(QUESTIONS)], user=f"U{n}")
    return key, response.status_code


def _responses(slack: SlackDriver):
    return lambda: Counter(call["key"] for call in slack.slack.calls_to("response_url"))


async def test_fifty_commands_acked_then_sigkill_are_each_answered_once_after_restart(
        slack, bot, http, database_url):
    keys, code = await _acked_then_stopped([_command(slack, n) for n in range(80)], bot,
                                           signal.SIGKILL, acks=50)
    assert code == -signal.SIGKILL
    answered_before = set(_responses(slack)())
    on_the_wire = await _on_the_wire(database_url)
    await bot.start(http)
    answered = await _until_all_answered(database_url, _responses(slack), keys)
    twice = {key for key, count in answered.items() if count != 1}
    assert twice <= on_the_wire
    assert all(count == 1 for key, count in answered.items() if key not in on_the_wire)
    assert keys <= set(answered)
    print(f"answered before SIGKILL: {len(answered_before & keys)} of {len(keys)} acked; "
          f"on the wire at the kill: {len(on_the_wire)}, answered twice: {len(twice)}")


async def test_twenty_mentions_acked_then_sigkill_are_each_answered_once_after_restart(
        slack, bot, http, database_url):
    async def mention(n: int) -> tuple[str, int]:
        question = f"<@UBOT> {QUESTIONS[n % 4]}"
        ts = slack.slack.add_message("C1", question, user=f"U{n}")["ts"]
        response = await slack.event({"type": "app_mention", "user": f"U{n}", "channel": "C1",
                                      "text": question, "ts": ts, "event_ts": ts})
        return ts, response.status_code

    threads, code = await _acked_then_stopped([mention(n) for n in range(40)], bot,
                                              signal.SIGKILL, acks=20)
    assert code == -signal.SIGKILL
    posted = lambda: Counter(call.get("thread_ts")  # noqa: E731
                             for call in slack.slack.calls_to("chat.postMessage"))
    answered_before = set(posted())
    on_the_wire = await _on_the_wire(database_url)
    await bot.start(http)
    answered = await _until_all_answered(database_url, posted, threads)
    # Exactly once, even for answers on the wire at the kill: each answer names its request
    # in its metadata, and the next process looks in the thread before it posts again.
    assert {ts: count for ts, count in answered.items() if count != 1} == {}
    assert threads <= set(answered)
    print(f"answered before SIGKILL: {len(answered_before & threads)} of {len(threads)} acked; "
          f"on the wire at the kill: {len(on_the_wire)}")


async def test_fifty_commands_acked_then_sigterm_are_each_answered_once(
        slack, bot, http, database_url):
    keys, code = await _acked_then_stopped([_command(slack, n) for n in range(80)], bot,
                                           signal.SIGTERM, acks=50)
    assert code == 0  # a clean exit, after the services closed
    answered_before = set(_responses(slack)())
    await bot.start(http)
    answered = await _until_all_answered(database_url, _responses(slack), keys)
    assert {key: count for key, count in answered.items() if count != 1} == {}
    assert keys <= set(answered)
    print(f"answered before the restart: {len(answered_before & keys)} of {len(keys)} acked")
