"""Outbox benchmark: one announcement-like fan-out to 200 channels at Slack's pace, and the
/vraag ack latency while it runs.

Three processes, as in bench/bench.py: the bot (the real app and outbox from bot.app, served by
uvicorn on 127.0.0.1, plus one bench-only route that decides a fan-out: it enqueues one
delivery per channel in one transaction and wakes the outbox, as a capability does), the fake
Slack Web API from tests/fakes enforcing 1 chat.postMessage per second per channel and 20 calls
per second across the workspace (rolling windows, 429 + Retry-After beyond them), and this
load generator.

1. The fan-out alone: time from the decision (the enqueue commit) until the last post reached
   Slack, as a ratio of the minimum the workspace limit allows (N / rate); 429s received,
   duplicates (channels with more than one post), lost (deliveries not SENT, channels with no
   post). Targets: ratio ≤ 1.10, duplicates 0, lost 0.
2. The same with 100 signed /vraag commands in flight all the time (bench/bench.py's load
   generator) while a second fan-out (200 other channels) runs: ack p99 (target ≤ 50 ms) and
   the fan-out's figures under that load.

Run from the repository root:

    PYTHONPATH=. python bench/outbox_bench.py [--json] [--check] [--channels 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
# `bench` is the package bench/ (with bench/bench.py), not bench.py next to this script.
sys.path[:] = [str(REPO)] + [entry for entry in sys.path
                             if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from bench.bench import (  # noqa: E402  (the repository root must be importable first)
    ACK_P99_TARGET_MS,
    BOT_TOKEN,
    SIGNING_SECRET,
    STARTUP_TIMEOUT,
    TEAM,
    _child_env,
    _run_level,
    _stop,
    _wait_healthy,
    free_port,
    load_questions,
    percentile,
    pin_apart,
    summary,
)

SCRIPT = str(Path(__file__).resolve())
RATIO_TARGET = 1.10
CHANNEL_RATE = 1.0
WORKSPACE_RATE = 20.0
FANOUT_TIMEOUT = 120.0  # seconds for one fan-out to finish
BODY = (
    "*Samen sterker: wij hebben het convenant getekend* :tada:\n"
    "Vandaag ondertekenden de partners het convenant. In de komende maanden starten we met "
    "pilots in de wijken, delen we ervaringen op het intranet en houden we je op de hoogte "
    "van wat er verandert in je werk. Vragen? Stel ze met /vraag of mail het projectteam."
)


# --------------------------------------------------------------------------------------------
# child process: the fake Slack Web API with Slack's limits and post arrival times


def run_fake_slack(max_seconds: float) -> int:
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    from tests.fakes.slack_api import FakeSlackApi
    from tests.fakes.slack_real_ts import use_real_time_ts

    async def main() -> None:
        fake = FakeSlackApi(bot_token=BOT_TOKEN, bot_user_id="UBOT", team_id=TEAM)
        use_real_time_ts(fake)
        fake.set_channel_rate("chat.postMessage", per_second=CHANNEL_RATE)
        fake.set_workspace_rate(per_second=WORKSPACE_RATE)
        arrivals: list[tuple[float, str]] = []
        post_message = fake._methods["chat.postMessage"]

        def timed_post(args: dict) -> dict:
            result = post_message(args)
            arrivals.append((time.monotonic(), str(args.get("channel"))))
            return result

        fake._methods["chat.postMessage"] = timed_post

        async def stats(request: Request) -> JSONResponse:
            prefix = request.query_params.get("prefix", "")
            mine = [(at, channel) for at, channel in arrivals if channel.startswith(prefix)]
            per_channel: dict[str, int] = {}
            for _at, channel in mine:
                per_channel[channel] = per_channel.get(channel, 0) + 1
            return JSONResponse({
                "posts": len(mine), "per_channel": per_channel,
                "first": min((at for at, _ in mine), default=None),
                "last": max((at for at, _ in mine), default=None),
                "rate_limited": fake.rate_limited_count,
                "responses": sum(1 for c in fake.calls if c.method == "response_url" and c.ok),
                "failed": [c.error for c in fake.failed_calls() if c.status != 429][:20],
            })

        async def collect(_request: Request) -> JSONResponse:
            return JSONResponse({"collected": gc.collect()})

        fake.app.add_route("/bench/outbox", stats, methods=["GET"])
        # The fake shares a CPU with the load generator: its own garbage collections (it
        # keeps every call) would count as the bot's ack time. It collects between bursts.
        fake.app.add_route("/bench/collect", collect, methods=["POST"])
        gc.disable()
        loop = asyncio.get_running_loop()
        stdin_closed = asyncio.Event()

        def wait_for_eof() -> None:
            sys.stdin.read()
            loop.call_soon_threadsafe(stdin_closed.set)

        threading.Thread(target=wait_for_eof, daemon=True).start()
        async with fake:
            print(json.dumps({"base_url": fake.base_url, "port": fake.port}), flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stdin_closed.wait(), timeout=max_seconds)

    asyncio.run(main())
    return 0


# --------------------------------------------------------------------------------------------
# child process: the bot, with a route that decides a fan-out


def run_bot_server(port: int) -> int:
    import uvicorn
    from sqlalchemy import func
    from sqlmodel import col, select
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from bot.app import build_services, http_server_config, run_event_loop
    from bot.heap import quiet_heap
    from bot.identity import ChannelRef
    from bot.outbox.models import Delivery
    from bot.outbox.queue import enqueue
    from bot.settings import Settings
    from handlers.slack.sender import TEXT_TEMPLATE

    class Server(uvicorn.Server):
        def capture_signals(self):
            return contextlib.nullcontext()

    async def main() -> None:
        services = await build_services(Settings(_env_file=None))

        async def fan_out(request: Request) -> JSONResponse:
            """Decides one announcement to many channels: one transaction, then wake."""
            order = await request.json()
            blocks = [
                {"type": "section", "text": {"type": "mrkdwn", "text": BODY}},
                {"type": "context", "elements": [
                    {"type": "mrkdwn", "text": "Namens de partners van het convenant"}]},
            ]
            async with services.sessions() as session:
                for channel in order["channels"]:
                    await enqueue(session, key=f"{order['topic']}:post:{channel}",
                                  target=ChannelRef("slack", TEAM, channel),
                                  template=TEXT_TEMPLATE,
                                  data={"text": BODY, "blocks": blocks}, topic=order["topic"])
                await session.commit()
            decided = time.monotonic()
            services.outbox.wake()
            return JSONResponse({"decided": decided})

        lags: list[float] = []
        watching: list[asyncio.Task] = []

        async def watch_the_loop() -> None:
            """How late a 5 ms sleep wakes: what any ack waits behind at that moment."""
            while True:
                started = time.perf_counter()
                await asyncio.sleep(0.005)
                lags.append((time.perf_counter() - started - 0.005) * 1000)

        async def loop_lag(request: Request) -> JSONResponse:
            """The lags since the last call; then watches on (?then=watch) or stops: the
            watcher's 200 wake-ups a second are not to run during the ack bursts."""
            taken = sorted(lags)
            lags.clear()
            keep = request.query_params.get("then") == "watch"
            if keep and not watching:
                watching.append(asyncio.create_task(watch_the_loop()))
            elif not keep and watching:
                watching.pop().cancel()
            if not taken:
                return JSONResponse({})
            return JSONResponse({"samples": len(taken),
                                 "p50_ms": round(taken[len(taken) // 2], 2),
                                 "p99_ms": round(taken[int(len(taken) * 0.99)], 2),
                                 "max_ms": round(taken[-1], 2)})

        async def states(request: Request) -> JSONResponse:
            async with services.sessions() as session:
                counts = dict((await session.execute(
                    select(Delivery.state, func.count())
                    .where(col(Delivery.topic) == request.query_params["topic"])
                    .group_by(Delivery.state))).all())
            return JSONResponse(counts)

        try:
            config = http_server_config(services, host="127.0.0.1", port=port, extra_routes=[
                Route("/bench/fanout", fan_out, methods=["POST"]),
                Route("/bench/states", states, methods=["GET"]),
                Route("/bench/lag", loop_lag, methods=["GET"])])
            server = Server(config)
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, setattr, server, "should_exit", True)
            await services.start()
            if os.environ.get("BENCH_STALLS"):
                from bench.stalls import watch_stalls
                watch_stalls(loop, float(os.environ["BENCH_STALLS"]))
            async with quiet_heap(services.background.idle_for):
                await server.serve()
        finally:
            await services.close()

    run_event_loop(main())
    return 0


# --------------------------------------------------------------------------------------------
# measuring


async def _fan_out(http: httpx.AsyncClient, bot_root: str, fake_root: str, topic: str,
                   channels: list[str]) -> dict:
    """Decides a fan-out and waits until every delivery is settled; returns its figures."""
    before = (await http.get(f"{fake_root}/bench/outbox")).json()["rate_limited"]
    decided = (await http.post(f"{bot_root}/bench/fanout",
                               json={"topic": topic, "channels": channels})).json()["decided"]
    prefix = channels[0][:4]
    deadline = time.monotonic() + FANOUT_TIMEOUT
    looked = 0.0
    while True:
        # Watched at the fake Slack, and in the bot's database only once every post arrived
        # (or each second): the bot's CPU is what the ack figures measure.
        posts = (await http.get(f"{fake_root}/bench/outbox", params={"prefix": prefix})
                 ).json()["posts"]
        if posts >= len(channels) or time.monotonic() - looked > 1.0:
            looked = time.monotonic()
            states = (await http.get(f"{bot_root}/bench/states", params={"topic": topic})
                      ).json()
            if states.get("sent", 0) + states.get("failed", 0) >= len(channels):
                break
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    stats = (await http.get(f"{fake_root}/bench/outbox", params={"prefix": prefix})).json()
    per_channel = stats["per_channel"]
    minimum = len(channels) / WORKSPACE_RATE
    total = (stats["last"] - decided) if stats["last"] is not None else None
    return {
        "channels": len(channels),
        "total_s": round(total, 3) if total is not None else None,
        "first_post_after_s": (round(stats["first"] - decided, 3)
                               if stats["first"] is not None else None),
        "last_post_after_first_s": (round(stats["last"] - stats["first"], 3)
                                    if stats["first"] is not None else None),
        "minimum_s": minimum,
        "ratio": round(total / minimum, 3) if total is not None else None,
        # A rolling window lets the first WORKSPACE_RATE posts go at once, and so on each
        # second: the last one could start (ceil(N / rate) - 1) s after the first.
        "burst_minimum_s": max(math.ceil(len(channels) / WORKSPACE_RATE) - 1, 0),
        "rate_limited_429": stats["rate_limited"] - before,
        "duplicates": sum(count - 1 for count in per_channel.values() if count > 1),
        "lost": len([c for c in channels if per_channel.get(c, 0) == 0]),
        "not_sent": len(channels) - states.get("sent", 0),
        "states": states,
        "slack_errors": stats["failed"],
    }


async def _answered(http: httpx.AsyncClient, fake_root: str, expected: int) -> None:
    """Waits (bounded) until `expected` answers reached response_url in all."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stats = (await http.get(f"{fake_root}/bench/outbox", params={"prefix": "-"})).json()
        if stats["responses"] >= expected:
            return
        await asyncio.sleep(0.05)


async def _bursts(http: httpx.AsyncClient, fake_root: str, common: dict, *, tag: str,
                  requests: int, pause: float, until: asyncio.Task | None = None,
                  count: int = 0) -> dict:
    """Bursts of `requests` signed /vraag commands, 100 in flight, `pause` seconds apart
    (after their answers were posted, as in bench/bench.py): `count` of them, or as many as
    fit while `until` runs."""
    acks: list[float] = []
    per_burst: list[float] = []  # each burst's ack p99
    spent: list[dict] = []  # each burst's CPU time: the server's, other processes', stolen
    errors = bursts = 0
    while (until is not None and not until.done()) or (until is None and bursts < count):
        await http.post(f"{fake_root}/bench/collect")
        before = (await http.get(f"{fake_root}/bench/outbox",
                                 params={"prefix": "-"})).json()["responses"]
        before_burst = _cpu_now(common["pids"])
        run = await _run_level(concurrency=100, total=requests, tag=f"{tag}{bursts}", **common)
        spent.append(_cpu_between(before_burst, _cpu_now(common["pids"])))
        acks += run["acks"]
        errors += run["errors"]
        per_burst.append(summary(run["acks"])["p99_ms"])
        bursts += 1
        await _answered(http, fake_root, before + len(run["acks"]))
        await asyncio.sleep(pause)
    return {**summary(acks), "errors": errors, "bursts": bursts, "concurrency": 100,
            "p99_ms_per_burst": per_burst, "cpu_ms_per_burst": spent, "acks": acks}


def _cpu_now(pids: dict[str, int]) -> dict | None:
    """CPU seconds so far: all CPUs busy, given by the hypervisor to others (steal), and each
    of `pids` (Linux's /proc; None elsewhere)."""
    from bench.bench import cpu_seconds

    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    ticks = os.sysconf("SC_CLK_TCK")
    own = {name: cpu_seconds(pid) for name, pid in pids.items()}
    if None in own.values():
        return None
    return {"busy": (user + nice + system + irq + softirq) / ticks, "steal": steal / ticks,
            "own": own}


def _cpu_between(before: dict | None, after: dict | None) -> dict:
    """A burst's CPU milliseconds: the server's, the rest of the machine's (neither the server
    nor this bench's processes) and the time stolen by the hypervisor. /proc counts in 10 ms
    ticks, so each figure is ±10 ms."""
    if before is None or after is None:
        return {}
    own = {name: (after["own"][name] - before["own"][name]) * 1000 for name in before["own"]}
    busy = (after["busy"] - before["busy"]) * 1000
    return {"server": round(own["server"]), "others": round(max(busy - sum(own.values()), 0)),
            "steal": round((after["steal"] - before["steal"]) * 1000)}


async def _measure(server: subprocess.Popen, fake_pid: int, bot_root: str, fake_root: str,
                   channels: int, requests: int, pause: float, log) -> dict:
    from bench.bench import cpu_seconds

    questions = load_questions()
    async with httpx.AsyncClient(timeout=10) as http:
        await _wait_healthy(http, f"{bot_root}/healthz", server)
        log(f"bot up on {bot_root}; fake Slack on {fake_root} "
            f"({CHANNEL_RATE:g}/s per channel, {WORKSPACE_RATE:g}/s workspace)")
        pids = {"server": server.pid, "fake_slack": fake_pid, "load_generator": os.getpid()}
        common = dict(bot_root=bot_root, questions=questions,
                      response_base=f"{fake_root}/response/", pids=pids)
        warmup = await _run_level(concurrency=1, total=20, tag="warmup", **common)
        # Its answers are the first ever composed (word lists loaded, caches cold): they are
        # not to run during the first burst.
        await _answered(http, fake_root, len(warmup["acks"]))
        log("/vraag bursts without a fan-out …")
        baseline = await _bursts(http, fake_root, common, tag="base", requests=requests,
                                 pause=pause, count=8)

        await asyncio.sleep(2)
        await http.get(f"{bot_root}/bench/lag", params={"then": "watch"})
        idle_cpu, idle_started = cpu_seconds(server.pid), time.monotonic()
        await asyncio.sleep(3)
        idle_lag = (await http.get(f"{bot_root}/bench/lag", params={"then": "watch"})).json()
        cpu_before, started = cpu_seconds(server.pid), time.monotonic()
        log(f"fan-out to {channels} channels, alone …")
        alone = await _fan_out(http, bot_root, fake_root, "bench:alone",
                               [f"CALN{n:04d}" for n in range(channels)])
        cpu_after, ended = cpu_seconds(server.pid), time.monotonic()
        alone["event_loop_lag"] = (await http.get(f"{bot_root}/bench/lag")).json()
        alone["event_loop_lag_idle"] = idle_lag
        if None not in (idle_cpu, cpu_before, cpu_after):
            # Above what the server spends idle (polls, and this bench's loop watcher).
            idle_rate = (cpu_before - idle_cpu) / (started - idle_started)
            alone["server_cpu_ms_per_post"] = round(
                (cpu_after - cpu_before - idle_rate * (ended - started)) * 1000 / channels, 2)
            alone["server_idle_cpu_percent"] = round(idle_rate * 100, 1)

        log(f"fan-out to {channels} other channels with /vraag bursts (100 in flight) …")
        busy_channels = [f"CBSY{n:04d}" for n in range(channels)]
        fan_out = asyncio.create_task(_fan_out(http, bot_root, fake_root, "bench:busy",
                                               busy_channels))
        await asyncio.sleep(0.3)  # the fan-out is under way
        during = await _bursts(http, fake_root, common, tag="busy", requests=requests,
                               pause=pause, until=fan_out)
        busy = await fan_out
    all_acks = during.pop("acks")
    baseline.pop("acks")
    return {
        "alone": alone,
        "with_load": busy,
        "acks_without_fan_out": baseline,
        "acks_during_fan_out": during,
        "targets": {"ratio": RATIO_TARGET, "ack_p99_ms": ACK_P99_TARGET_MS},
        "meets_targets": (
            alone["ratio"] is not None and alone["ratio"] <= RATIO_TARGET
            and alone["duplicates"] == 0 and alone["lost"] == 0 and alone["not_sent"] == 0
            and busy["duplicates"] == 0 and busy["lost"] == 0 and busy["not_sent"] == 0
            and during["errors"] == 0 and bool(all_acks)
            and percentile(all_acks, 99) <= ACK_P99_TARGET_MS),
    }


def bench(channels: int, requests: int, pause: float, log) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="convenantbot-outbox-bench-"))
    fake = server = None
    try:
        fake, fake_info = _start_fake_slack_here(workdir)
        port = free_port()
        env = _child_env({
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_info["base_url"],
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "LOG_LEVEL": "WARNING",
            "OUTBOX_CHANNEL_RATE": str(CHANNEL_RATE),
            "OUTBOX_WORKSPACE_RATE": str(WORKSPACE_RATE),
        })
        server = subprocess.Popen([sys.executable, SCRIPT, "--bot-server", str(port)],
                                  stdin=subprocess.DEVNULL, cwd=workdir, env=env)
        pinning = pin_apart(server.pid, fake.pid, os.getpid())
        from bot.app import run_event_loop

        result = run_event_loop(_measure(server, fake.pid, f"http://127.0.0.1:{port}",
                                         f"http://127.0.0.1:{fake_info['port']}", channels,
                                         requests, pause, log))
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        result["machine"] = (f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                             f"{platform.python_version()}, load average {load} at the end; "
                             f"{pinning}")
        return result
    finally:
        _stop(server)
        _stop(fake)
        shutil.rmtree(workdir, ignore_errors=True)


def _start_fake_slack_here(workdir: Path) -> tuple[subprocess.Popen, dict]:
    fake = subprocess.Popen([sys.executable, SCRIPT, "--fake-slack"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=workdir, env=_child_env({}))
    ready, _, _ = select.select([fake.stdout], [], [], STARTUP_TIMEOUT)
    line = fake.stdout.readline() if ready else ""
    if not line:
        _stop(fake)
        raise RuntimeError("the fake Slack API did not start")
    return fake, json.loads(line)


def print_table(report: dict) -> None:
    print()
    print(f"Outbox benchmark ({report['machine']}); fake Slack: {CHANNEL_RATE:g} post/s per "
          f"channel, {WORKSPACE_RATE:g} calls/s per workspace")
    print(f"  {'run':<28} {'channels':>8} {'total s':>8} {'min s':>6} {'ratio':>6} "
          f"{'429s':>5} {'dupl.':>5} {'lost':>5}")
    for name, row in (("fan-out alone", report["alone"]),
                      ("fan-out, 100 /vraag in flight", report["with_load"])):
        print(f"  {name:<28} {row['channels']:>8} {row['total_s']!s:>8} {row['minimum_s']:>6g} "
              f"{row['ratio']!s:>6} {row['rate_limited_429']:>5} {row['duplicates']:>5} "
              f"{row['lost'] + row['not_sent']:>5}")
    cpu = report["alone"].get("server_cpu_ms_per_post")
    if cpu is not None:
        print(f"  server CPU per post (fan-out alone), above the idle server's "
              f"{report['alone']['server_idle_cpu_percent']}% of a CPU: {cpu} ms")
    for name, lag in (("idle", report["alone"]["event_loop_lag_idle"]),
                      ("during the fan-out alone", report["alone"]["event_loop_lag"])):
        if lag:
            print(f"  server event loop, {name}: a 5 ms sleep wakes late by p50 "
                  f"{lag['p50_ms']} ms, p99 {lag['p99_ms']} ms, max {lag['max_ms']} ms")
    for name, acks in (("without a fan-out", report["acks_without_fan_out"]),
                       ("during the fan-out", report["acks_during_fan_out"])):
        print(f"  /vraag acks {name:<18}: {acks['count']:>5} in {acks['bursts']} bursts at 100 in "
              f"flight, p50 {acks['p50_ms']:.1f} ms, p99 {acks['p99_ms']:.1f} ms, max "
              f"{acks['max_ms']:.1f} ms, errors {acks['errors']}")
        print(f"    p99 of each burst (ms): "
              f"{', '.join(f'{p99:.0f}' for p99 in acks['p99_ms_per_burst'])}")
        print("    CPU ms of each burst, server / other processes / stolen: " + ", ".join(
            f"{c['server']}/{c['others']}/{c['steal']}" if c else "?"
            for c in acks["cpu_ms_per_burst"]))
    print(f"  targets: ratio ≤ {RATIO_TARGET}, 0 duplicates, 0 lost, ack p99 ≤ "
          f"{ACK_P99_TARGET_MS:g} ms: {'OK' if report['meets_targets'] else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--channels", type=int, default=200, help="channels per fan-out")
    parser.add_argument("--requests", type=int, default=300,
                        help="/vraag commands per burst (bursts repeat while the fan-out runs)")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between bursts")
    parser.add_argument("--fake-slack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bot-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fake_slack:
        return run_fake_slack(max_seconds=1800)
    if args.bot_server:
        return run_bot_server(args.bot_server)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = bench(args.channels, args.requests, args.pause, log)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 1 if args.check and not report["meets_targets"] else 0


if __name__ == "__main__":
    sys.exit(main())
