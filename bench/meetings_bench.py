"""Meetings under load: 500 people click "Aanmelden" on a 100-seat session.

The real app runs in its own uvicorn process (bench/bench.py's `--bot-server`), a fake Slack
Web API in a third process (this script's `--fake-slack`, which also counts calls per
method), and this process sends signed block_actions clicks, 50 at a time, each worker
sending its next click as soon as the previous one was acknowledged. Measured:

- click-to-ack: time from writing a click until its HTTP 200 was read (p50/p99);
- sign-ups per second: clicks decided (registration rows stored) per second, from the first
  click until the last registration is in the database;
- time until all confirmation DMs (an .ics upload each) and the invitation's last
  chat.update after the last sign-up are out.

On SQLite (a file) and PostgreSQL (a schema of its own, when reachable). Loopback only;
bounded loops; children stopped at the end. From the repository root:

    PYTHONPATH=. python bench/meetings_bench.py [--json] [--people 500] [--seats 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
# Run as a script, bench/ itself comes first on sys.path, where "bench" is bench.py.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.bench import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    STARTUP_TIMEOUT,
    TEAM,
    _AckClient,
    _child_env,
    _raw_request,
    _stop,
    _wait_healthy,
    free_port,
    summary,
)

SCRIPT = str(Path(__file__).resolve())
ACK_P99_TARGET_MS = 100.0
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DRAIN_TIMEOUT = 300.0
WARMUP = 20  # clicks on a session that does not exist: answered, never stored


def run_fake_slack(max_seconds: float) -> int:
    """The fake Slack API, with per-method call counts and the time of each method's last
    successful call (monotonic, system-wide)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    from tests.fakes.slack_api import FakeSlackApi

    last: dict[str, float] = {}

    class TimedFakeSlackApi(FakeSlackApi):
        async def _handle_api(self, request):
            response = await super()._handle_api(request)
            if response.status_code == 200:
                last[request.path_params["method"]] = time.monotonic()
            return response

    async def main() -> None:
        fake = TimedFakeSlackApi(bot_token=BOT_TOKEN, bot_user_id="UBOT", team_id=TEAM)

        async def stats(_request: Request) -> JSONResponse:
            counts: dict[str, int] = {}
            for call in fake.calls:
                if call.ok:
                    counts[call.method] = counts.get(call.method, 0) + 1
            return JSONResponse({"counts": counts, "last": last,
                                 "failed": len(fake.failed_calls()),
                                 "responses": len(fake.calls_to("response_url"))})

        fake.app.add_route("/bench/stats", stats, methods=["GET"])
        loop = asyncio.get_running_loop()
        closed = asyncio.Event()
        threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(
            closed.set)), daemon=True).start()
        async with fake:
            print(json.dumps({"base_url": fake.base_url, "port": fake.port}), flush=True)
            try:
                await asyncio.wait_for(closed.wait(), timeout=max_seconds)
            except TimeoutError:
                pass

    asyncio.run(main())
    return 0


def run_bot_server(port: int) -> int:
    """The real app from bot.app with its outbox running (as `convenantbot serve` has), on
    loopback only."""
    import contextlib
    import signal

    import uvicorn

    from bot.app import build_services, http_server_config, run_event_loop
    from bot.heap import quiet_heap
    from bot.settings import Settings

    class Server(uvicorn.Server):
        def capture_signals(self):
            return contextlib.nullcontext()

    async def main() -> None:
        services = await build_services(Settings(_env_file=None))
        try:
            server = Server(http_server_config(services, host="127.0.0.1", port=port))
            await services.start(scheduler=False)
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, setattr, server, "should_exit", True)
            async with quiet_heap(services.background.idle_for):
                await server.serve()
        finally:
            await services.close()

    run_event_loop(main())
    return 0


def _click(session_id: int, user: str, response_url: str) -> bytes:
    from tests.fakes.signing import signed_headers

    payload = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "bench"},
        "user": {"id": user, "username": user, "name": user, "team_id": TEAM},
        "api_app_id": "A1", "token": "x", "trigger_id": f"t-{user}",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "CINVITE"},
        "channel": {"id": "CINVITE", "name": "algemeen"}, "response_url": response_url,
        "actions": [{"action_id": "meeting_sign_up", "block_id": "b", "type": "button",
                     "value": str(session_id), "action_ts": "1.2"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = signed_headers(body, SIGNING_SECRET,
                             content_type="application/x-www-form-urlencoded")
    return body, headers


async def _prepare(database_url: str, seats: int) -> int:
    """A meeting with one session of `seats`, made through the domain; its session id."""
    from sqlmodel import select

    from bot.app import build_services
    from bot.identity import Person
    from bot.meetings.models import MeetingSession
    from bot.meetings.planning import MeetingDraft, SessionDraft, create_meeting
    from bot.settings import Settings

    settings = Settings(_env_file=None, database_url=database_url, coordinator_ids=["UC"])
    services = await build_services(settings)
    try:
        day = (datetime.now(UTC) + timedelta(days=14)).date()
        draft = MeetingDraft(title="Bench", channels=["CINVITE"], sessions=[SessionDraft(
            day, clock_time(9, 30), clock_time(12), "Zaal", str(seats))])
        meeting = await create_meeting(services, Person("slack", TEAM, "UC"), draft)
        async with services.sessions() as db:
            session = (await db.exec(select(MeetingSession).where(
                MeetingSession.meeting_id == meeting.id))).one()
        return session.id or 0
    finally:
        await services.close()


async def _registrations(database_url: str) -> tuple[int, int]:
    from sqlalchemy import text

    from bot.database import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT status, count(*) FROM meeting_registration GROUP BY status"))).all()
    finally:
        await engine.dispose()
    counts = dict(rows)
    return counts.get("confirmed", 0), counts.get("waitlisted", 0)


async def _measure(database_url: str, bot_root: str, fake_root: str, session_id: int, *,
                   people: int, seats: int, concurrency: int, server) -> dict:
    import httpx

    async with httpx.AsyncClient(timeout=10) as http:
        await _wait_healthy(http, f"{bot_root}/healthz", server)
        host, port = bot_root.removeprefix("http://").split(":")
        clicks = []
        for n in range(people):
            body, headers = _click(session_id, f"U{n:05d}", f"{fake_root}/response/c{n}")
            clicks.append(_raw_request("POST", "/slack/events", f"{host}:{port}", headers, body))
        # Unmeasured first: Bolt's first requests look the bot up (auth.test), the pools fill.
        warm = _AckClient(host, int(port))
        for n in range(WARMUP):
            body, headers = _click(0, f"W{n:03d}", f"{fake_root}/response/w{n}")
            await warm.exchange(_raw_request("POST", "/slack/events", f"{host}:{port}", headers,
                                             body))
        await warm.close()
        queue = list(reversed(clicks))
        acks: list[float] = []
        statuses: list[int] = []

        ready = 0
        all_ready = asyncio.Event()

        async def worker() -> None:
            nonlocal ready
            client = _AckClient(host, int(port))
            await client.connect()
            # One unmeasured click on each connection first, as bench/bench.py does: 50
            # connections opened at once are taken up by the server one per loop turn, and
            # the last waited up to a second before its first request was read at all.
            body, headers = _click(0, f"R{id(client)}", f"{fake_root}/response/r{id(client)}")
            await client.exchange(_raw_request("POST", "/slack/events", f"{host}:{port}",
                                               headers, body))
            ready += 1
            if ready == concurrency:
                all_ready.set()
            await all_ready.wait()
            try:
                while queue:
                    request = queue.pop()
                    t0 = time.perf_counter()
                    status, _ = await client.exchange(request)
                    acks.append((time.perf_counter() - t0) * 1000)
                    statuses.append(status)
            finally:
                await client.close()

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        await asyncio.wait_for(all_ready.wait(), DRAIN_TIMEOUT)
        started = time.monotonic()
        await asyncio.gather(*workers)
        acked = time.monotonic()
        deadline = started + DRAIN_TIMEOUT
        confirmed = waitlisted = 0
        while time.monotonic() < deadline:
            confirmed, waitlisted = await _registrations(database_url)
            if confirmed + waitlisted >= people:
                break
            await asyncio.sleep(0.05)
        decided = time.monotonic()
        stats: dict = {}
        while time.monotonic() < deadline:
            stats = (await http.get(f"{fake_root}/bench/stats")).json()
            updated = stats["last"].get("chat.update", 0) >= decided
            if stats["counts"].get("files.completeUploadExternal", 0) >= seats and updated:
                break
            await asyncio.sleep(0.1)
        out = time.monotonic()
    ack = summary(acks)
    return {
        "people": people, "seats": seats, "concurrency": concurrency,
        "http_200": statuses.count(200), "confirmed": confirmed, "waitlisted": waitlisted,
        "ack": ack, "ack_target_p99_ms": ACK_P99_TARGET_MS,
        "meets_ack_target": ack["p99_ms"] <= ACK_P99_TARGET_MS,
        "acks_per_second": round(people / (acked - started), 1),
        "sign_ups_per_second": round((confirmed + waitlisted) / (decided - started), 1),
        "all_decided_s": round(decided - started, 2),
        "confirmations_and_updates_out_s": round(out - started, 2),
        "confirmation_uploads": stats.get("counts", {}).get("files.completeUploadExternal", 0),
        "chat_updates": stats.get("counts", {}).get("chat.update", 0),
        "dm_posts": stats.get("counts", {}).get("chat.postMessage", 0),
        "failed_calls": stats.get("failed", 0),
    }


def _postgres_schema() -> tuple[str, str] | None:
    try:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
    except Exception:  # noqa: BLE001 - no PostgreSQL here: the bench says so and goes on
        return None
    separator = "&" if "?" in POSTGRES_URL else "?"
    return schema, f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_database(kind: str, *, people: int, seats: int, concurrency: int) -> dict:
    from bot.app import run_event_loop

    workdir = Path(tempfile.mkdtemp(prefix="convenantbot-meetbench-"))
    schema = None
    fake = server = None
    try:
        if kind == "sqlite":
            database_url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            made = _postgres_schema()
            if made is None:
                return {"skipped": f"PostgreSQL at {POSTGRES_URL} is not reachable"}
            schema, database_url = made
        session_id = asyncio.run(_prepare(database_url, seats))
        fake = subprocess.Popen([sys.executable, SCRIPT, "--fake-slack"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, cwd=workdir,
                                env=_child_env({}))
        ready, _, _ = select.select([fake.stdout], [], [], STARTUP_TIMEOUT)
        info = json.loads(fake.stdout.readline()) if ready else None
        if info is None:
            raise RuntimeError("the fake Slack API did not start")
        port = free_port()
        env = _child_env({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                          "SLACK_API_URL": info["base_url"], "DATABASE_URL": database_url,
                          "LOG_LEVEL": "WARNING", "PORT": str(port)})
        server = subprocess.Popen([sys.executable, SCRIPT, "--bot-server", str(port)],
                                  stdin=subprocess.DEVNULL, cwd=workdir, env=env)
        result = run_event_loop(_measure(
            database_url, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{info['port']}",
            session_id, people=people, seats=seats, concurrency=concurrency, server=server))
        return {"database": kind, **result}
    finally:
        _stop(server)
        _stop(fake)
        if schema:
            _drop_schema(schema)
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--fake-slack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bot-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bot_server:
        return run_bot_server(args.bot_server)
    if args.fake_slack:
        return run_fake_slack(DRAIN_TIMEOUT * 3)
    report = {kind: bench_database(kind, people=args.people, seats=args.seats,
                                   concurrency=args.concurrency)
              for kind in args.databases.split(",")}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for kind, result in report.items():
        if "skipped" in result:
            print(f"{kind}: skipped ({result['skipped']})")
            continue
        ack = result["ack"]
        print(f"{kind}: {result['people']} clicks, {result['seats']} seats, "
              f"{result['concurrency']} concurrent -> {result['confirmed']} confirmed, "
              f"{result['waitlisted']} waitlisted; ack p50 {ack['p50_ms']} ms, p99 "
              f"{ack['p99_ms']} ms (target {ACK_P99_TARGET_MS:.0f}); "
              f"{result['sign_ups_per_second']} sign-ups/s; all decided after "
              f"{result['all_decided_s']} s; {result['confirmation_uploads']} confirmations and "
              f"the invitation update out after {result['confirmations_and_updates_out_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
