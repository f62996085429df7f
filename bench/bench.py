"""Convenantbot benchmarks: answer latency and the HTTP ack latency of /vraag.

1. answer latency: `answer_question(index, q)` over bench/questions.txt, several rounds, in process.
2. HTTP ack latency: the real ASGI app in its own uvicorn process (so the load generator does not
   share its event loop), a fake Slack Web API in a third process, and signed `/vraag` slash
   commands sent with httpx at several concurrency levels. Measured: time until the HTTP 200 ack;
   also, for information, until the answer reached the fake's response_url (both processes read
   the same system-wide monotonic clock), and the CPU time each process spent per command.

Everything listens on and talks to 127.0.0.1 only, every loop is bounded, and all processes are
stopped at the end. Run from the repository root:

    PYTHONPATH=. python bench/bench.py [--json] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

QUESTIONS = Path(__file__).resolve().parent / "questions.txt"
ANSWER_P99_TARGET_MS = 20.0
ACK_P99_TARGET_MS = 50.0  # at the highest concurrency level
BOT_TOKEN = "xoxb-bench-token"
SIGNING_SECRET = "bench-signing-secret"
TEAM = "TBENCH"
STARTUP_TIMEOUT = 60.0  # seconds for a child process to come up
LEVEL_TIMEOUT = 180.0  # seconds for one concurrency level, sending included
DRAIN_TIMEOUT = 60.0  # seconds to wait for the replies of one level


# --------------------------------------------------------------------------------------------
# helpers


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 300 samples is the 297th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def summary(samples_ms: list[float]) -> dict:
    return {
        "count": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 3),
        "p99_ms": round(percentile(samples_ms, 99), 3),
        "max_ms": round(max(samples_ms), 3) if samples_ms else None,
        "mean_ms": round(statistics.fmean(samples_ms), 3) if samples_ms else None,
    }


def load_questions(path: Path = QUESTIONS) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------
# 1. answer latency


def bench_answers(content_dir: Path, questions: list[str], rounds: int) -> dict:
    from bot.questions.guidance.answers import answer_question
    from bot.questions.guidance.content import load_library
    from bot.questions.guidance.retrieval import GuidanceIndex

    started = time.perf_counter()
    index = GuidanceIndex(load_library(content_dir))
    build_ms = (time.perf_counter() - started) * 1000
    confident = sum(answer_question(index, q).confident for q in questions)  # also warms up
    samples: list[float] = []
    for _ in range(rounds):
        for question in questions:
            t0 = time.perf_counter_ns()
            answer_question(index, question)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
    result = summary(samples)
    result.update({
        "questions": len(questions),
        "rounds": rounds,
        "answered_from_guidance": confident,
        "index_build_ms": round(build_ms, 1),
        "target_p99_ms": ANSWER_P99_TARGET_MS,
        "meets_target": result["p99_ms"] <= ANSWER_P99_TARGET_MS,
    })
    return result


# --------------------------------------------------------------------------------------------
# child process: the fake Slack Web API, with the arrival time of every response_url post


def run_fake_slack(max_seconds: float) -> int:
    """Serves FakeSlackApi on 127.0.0.1 until stdin closes (or max_seconds pass)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    from tests.fakes.slack_api import FakeSlackApi

    class TimedFakeSlackApi(FakeSlackApi):
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.arrivals: dict[str, float] = {}

        async def _handle_response_url(self, request):
            response = await super()._handle_response_url(request)
            if response.status_code == 200:
                self.arrivals[request.path_params["key"]] = time.monotonic()
            return response

    async def main() -> None:
        fake = TimedFakeSlackApi(bot_token=BOT_TOKEN, bot_user_id="UBOT", team_id=TEAM)

        async def stats(_request: Request) -> JSONResponse:
            failed = [{"method": c.method, "error": c.error, "errors": c.errors[:3]}
                      for c in fake.failed_calls()]
            return JSONResponse({"arrivals": fake.arrivals, "failed": failed[:20],
                                 "failed_count": len(failed), "calls": len(fake.calls)})

        fake.app.add_route("/bench/stats", stats, methods=["GET"])
        loop = asyncio.get_running_loop()
        stdin_closed = asyncio.Event()

        def wait_for_eof() -> None:
            sys.stdin.read()
            loop.call_soon_threadsafe(stdin_closed.set)

        # A daemon thread, so that a bench that died without closing stdin cannot keep us alive
        # past max_seconds.
        threading.Thread(target=wait_for_eof, daemon=True).start()
        async with fake:
            print(json.dumps({"base_url": fake.base_url, "port": fake.port}), flush=True)
            try:
                await asyncio.wait_for(stdin_closed.wait(), timeout=max_seconds)
            except TimeoutError:
                pass

    asyncio.run(main())
    return 0


# --------------------------------------------------------------------------------------------
# child process: the bot, like `convenantbot serve` but bound to 127.0.0.1


def run_bot_server(port: int) -> int:
    """The real app from bot.app, served by uvicorn with serve()'s settings, on loopback only."""
    import uvicorn

    from bot.app import build_services, http_server_config, run_event_loop
    from bot.heap import quiet_heap
    from bot.settings import Settings

    class Server(uvicorn.Server):
        # SIGTERM/SIGINT set should_exit below, so that the services close before we exit.
        def capture_signals(self):
            return contextlib.nullcontext()

    async def main() -> None:
        settings = Settings(_env_file=None)
        services = await build_services(settings)
        try:
            config = http_server_config(services, host="127.0.0.1", port=port)
            server = Server(config)
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, setattr, server, "should_exit", True)
            async with quiet_heap(services.background.idle_for):
                await server.serve()
        finally:
            await services.close()

    run_event_loop(main())
    return 0


# --------------------------------------------------------------------------------------------
# 2. HTTP ack latency


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def pin_apart(server_pid: int, *other_pids: int) -> str:
    """The load generator and the fake Slack on the last CPU only; the bot server keeps every
    CPU (its event loop then mostly has one to itself, its threads the rest). Slack's senders
    are not on the bot's machine, and sharing the event loop's core made the ack figures vary
    by a factor of two from one burst to the next. Says what was done."""
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if len(cpus) < 2:
        return "not pinned (one CPU)"
    theirs = max(cpus)
    for pid in other_pids:
        with contextlib.suppress(OSError):  # a thread may end meanwhile
            for thread in os.listdir(f"/proc/{pid}/task"):
                os.sched_setaffinity(int(thread), {theirs})
    return f"load generator and fake Slack pinned to CPU {theirs}, the bot server on any"


def _stop(process: subprocess.Popen | None) -> None:
    """Ends a child: the fake when its stdin closes, the server with SIGTERM."""
    if process is None or process.poll() is not None:
        return
    if process.stdin is not None:
        process.stdin.close()
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            pass
    process.terminate()  # SIGTERM: uvicorn shuts down gracefully
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


async def _wait_healthy(http, url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bot server exited with code {process.returncode}")
        try:
            if (await http.get(url, timeout=2)).status_code == 200:
                return
        except httpx.HTTPError:  # not up yet
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the bot server did not answer {url} within {STARTUP_TIMEOUT:.0f}s")


class _AckClient:
    """One keep-alive HTTP/1.1 connection that sends pre-built requests and reads the replies.

    Raw asyncio streams instead of an HTTP client library: the requests are built and signed
    before the clock starts, so the load generator spends a few microseconds per command and
    leaves the CPU to the server (Slack's own client does not run on our machine).
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.reader = self.writer = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Sends one request; returns the status and body once the whole response is read."""
        if self.writer is None:
            await self.connect()
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get(b"transfer-encoding") == b"chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")  # no trailers are sent to us
        else:
            body = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        if headers.get(b"connection") == b"close":
            await self.close()
        return status, body


def _raw_request(method: str, path: str, host: str, headers: dict[str, str],
                 body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in
                                                               headers.items())]
    if method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _run_level(bot_root: str, response_base: str, questions: list[str], *,
                     concurrency: int, total: int, tag: str, pids: dict[str, int]) -> dict:
    """Sends `total` signed /vraag commands, `concurrency` at a time.

    Returns the ack times (ms), when each command was sent, the errors, the wall time and each
    process's CPU time when the clock started. Every command is built and signed before the
    clock starts (a Slack signature is valid for 5 minutes), and each worker has a keep-alive
    connection of its own, also opened before. A worker sends its next command as soon as the
    previous one was acked (a closed loop), so `concurrency` commands are always in flight.
    The ack time runs from writing the request until the whole HTTP response was read.
    """
    from tests.fakes.signing import FORM_CONTENT_TYPE, signed_headers, slash_command_body

    netloc = bot_root.removeprefix("http://")
    host, port = netloc.rsplit(":", 1)
    health = _raw_request("GET", "/healthz", netloc, {})
    requests: list[tuple[str, bytes]] = []
    for number in range(total):
        key = f"{tag}-{number}"
        body = slash_command_body(
            "/vraag", questions[number % len(questions)], user_id=f"U{number % 1000:04d}",
            channel_id="CBENCH", team_id=TEAM, response_url=f"{response_base}{key}",
            trigger_id=f"trigger-{key}")
        headers = signed_headers(body, SIGNING_SECRET, content_type=FORM_CONTENT_TYPE)
        requests.append((key, _raw_request("POST", "/slack/events", netloc, headers,
                                           body.encode())))

    acks: list[float] = []
    sent_at: dict[str, float] = {}
    errors = 0
    pending = iter(requests)

    async def worker(client: _AckClient) -> None:
        nonlocal errors
        for key, request in pending:
            sent_at[key] = time.monotonic()
            t0 = time.perf_counter_ns()
            try:
                status, _ = await asyncio.wait_for(client.exchange(request), timeout=10)
            except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    TimeoutError):  # counted; the run goes on, on a new connection
                errors += 1
                await client.close()
                continue
            elapsed = (time.perf_counter_ns() - t0) / 1e6
            if status == 200:
                acks.append(elapsed)
            else:
                errors += 1

    clients = [_AckClient(host, int(port)) for _ in range(concurrency)]
    try:
        # Every connection opened and used once before the clock starts.
        await asyncio.wait_for(asyncio.gather(*(client.exchange(health) for client in clients)),
                               timeout=STARTUP_TIMEOUT)
        # The generator's own garbage collections would count as the server's latency.
        gc.collect()
        gc.disable()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker(client) for client in clients)),
                               timeout=LEVEL_TIMEOUT)
        wall = time.perf_counter() - started
    finally:
        gc.enable()
        await asyncio.gather(*(client.close() for client in clients))
    return {"acks": acks, "sent_at": sent_at, "errors": errors, "wall": wall,
            "cpu_before": cpu_before}


def _cpu_per_command(pids: dict[str, int], before: dict, count: int) -> dict:
    """CPU milliseconds each process spent per command since `before`."""
    spent = {}
    for name, pid in pids.items():
        after = cpu_seconds(pid)
        spent[name] = (None if after is None or before[name] is None
                       else round((after - before[name]) * 1000 / count, 2))
    return spent


async def _replies(http, stats_url: str, sent_at: dict[str, float]) -> tuple[list[float], dict]:
    """Waits (bounded) until the fake received a reply for every command; returns reply times."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    stats: dict = {}
    while time.monotonic() < deadline:
        stats = (await http.get(stats_url, timeout=10)).json()
        if all(key in stats["arrivals"] for key in sent_at):
            break
        await asyncio.sleep(0.2)
    arrivals = stats.get("arrivals", {})
    replies = [(arrivals[key] - sent) * 1000 for key, sent in sent_at.items() if key in arrivals]
    return replies, stats


SCRIPT = str(Path(__file__).resolve())


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux only; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_fake_slack(workdir: Path) -> tuple[subprocess.Popen, dict]:
    fake = subprocess.Popen([sys.executable, SCRIPT, "--fake-slack"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=workdir, env=_child_env({}))
    ready, _, _ = select.select([fake.stdout], [], [], STARTUP_TIMEOUT)
    line = fake.stdout.readline() if ready else ""
    if not line:
        _stop(fake)
        raise RuntimeError("the fake Slack API did not start")
    return fake, json.loads(line)


def bench_http(content_dir: Path, questions: list[str], levels: list[int], total: int,
               warmup: int, via_cli: bool, log) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="convenantbot-bench-"))
    fake = server = None
    try:
        fake, fake_info = _start_fake_slack(workdir)
        port = free_port()
        env = _child_env({
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_info["base_url"],
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "CONTENT_DIR": str(content_dir),
            "LOG_LEVEL": "WARNING",
            "PORT": str(port),
        })
        command = ([sys.executable, "-m", "bot", "serve", "--port", str(port)] if via_cli
                   else [sys.executable, SCRIPT, "--bot-server", str(port)])
        server = subprocess.Popen(command, stdin=subprocess.DEVNULL, cwd=workdir, env=env)
        pinning = pin_apart(server.pid, fake.pid, os.getpid())
        from bot.app import run_event_loop  # uvloop, as the server: a cheaper load generator

        result = run_event_loop(_measure(
            server, fake.pid, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{fake_info['port']}",
            questions, levels, total, warmup, log))
        result["server"] = "convenantbot serve" if via_cli else "uvicorn subprocess (bot.app)"
        result["pinning"] = pinning
        return result
    finally:
        _stop(server)
        _stop(fake)
        shutil.rmtree(workdir, ignore_errors=True)


async def _measure(server: subprocess.Popen, fake_pid: int, bot_root: str, fake_root: str,
                   questions: list[str], levels: list[int], total: int, warmup: int, log) -> dict:
    async with httpx.AsyncClient(timeout=10) as http:
        await _wait_healthy(http, f"{bot_root}/healthz", server)
        log(f"bot server up on {bot_root} (pid {server.pid}); fake Slack on {fake_root}")
        common = dict(bot_root=bot_root, questions=questions,
                      response_base=f"{fake_root}/response/")
        stats_url = f"{fake_root}/bench/stats"
        pids = {"server": server.pid, "fake_slack": fake_pid, "load_generator": os.getpid()}
        if warmup:
            run = await _run_level(concurrency=1, total=warmup, tag="warmup", pids=pids, **common)
            await _replies(http, stats_url, run["sent_at"])
        results = []
        for number, level in enumerate(levels):
            log(f"concurrency {level}: {total} signed /vraag commands …")
            run = await _run_level(concurrency=level, total=total, tag=f"L{number}c{level}",
                                   pids=pids, **common)
            replies, _ = await _replies(http, stats_url, run["sent_at"])
            cpu = _cpu_per_command(pids, run["cpu_before"], total)  # sending and answering
            results.append({
                "concurrency": level, **summary(run["acks"]), "errors": run["errors"],
                "acks_per_second": round(len(run["acks"]) / run["wall"], 1),
                "server_cpu_ms_per_command": cpu["server"],
                "cpu_ms_per_command": cpu,
                "replies": len(replies),
                "reply_p50_ms": round(percentile(replies, 50), 1) if replies else None,
                "reply_p99_ms": round(percentile(replies, 99), 1) if replies else None,
            })
        final = (await http.get(stats_url, timeout=10)).json()
    top = results[-1]
    return {
        "requests_per_level": total,
        "levels": results,
        "fake_slack_failed_calls": final["failed_count"],
        "fake_slack_failures": final["failed"],
        "target_p99_ms": ACK_P99_TARGET_MS,
        "target_concurrency": top["concurrency"],
        "meets_target": top["errors"] == 0 and top["p99_ms"] <= ACK_P99_TARGET_MS,
    }


# --------------------------------------------------------------------------------------------
# output


def print_table(report: dict) -> None:
    answers = report["answers"]
    print()
    print(f"Convenantbot benchmark  ({report['machine']})")
    print()
    print(f"answer_question: {answers['questions']} questions × {answers['rounds']} rounds "
          f"({answers['answered_from_guidance']} answered from the guidance, the rest refused); "
          f"index built in {answers['index_build_ms']} ms")
    print(f"  {'calls':>7} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}   target p99 ≤ "
          f"{answers['target_p99_ms']:g} ms")
    print(f"  {answers['count']:>7} {answers['p50_ms']:>9.2f} {answers['p99_ms']:>9.2f} "
          f"{answers['max_ms']:>9.2f}   {'OK' if answers['meets_target'] else 'MISSED'}")
    http = report.get("http")
    if not http:
        return
    print()
    print(f"/vraag over HTTP ({http['server']}; {http['pinning']}): time to the 200 ack; "
          f"'reply' is until the answer reached response_url")
    print(f"  {'conc.':>5} {'sent':>5} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'reply p50':>9} {'reply p99':>9} {'acks/s':>7} {'server CPU/cmd':>14}")
    for row in http["levels"]:
        cpu = row["server_cpu_ms_per_command"]
        print(f"  {row['concurrency']:>5} {row['count'] + row['errors']:>5} {row['errors']:>6} "
              f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['max_ms']:>8.1f} "
              f"{row['reply_p50_ms']!s:>9} {row['reply_p99_ms']!s:>9} "
              f"{row['acks_per_second']:>7} {'n/a' if cpu is None else f'{cpu} ms':>14}")
    verdict = "OK" if http["meets_target"] else "MISSED"
    print(f"  target: p99 ≤ {http['target_p99_ms']:g} ms at concurrency "
          f"{http['target_concurrency']}: {verdict}; fake Slack rejected "
          f"{http['fake_slack_failed_calls']} call(s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--rounds", type=int, default=10, help="rounds over the questions")
    parser.add_argument("--requests", type=int, default=300, help="slash commands per level")
    parser.add_argument("--levels", default="1,10,100", help="concurrency levels, e.g. 1,10,100")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured commands first")
    parser.add_argument("--no-http", action="store_true", help="only the answer latency")
    parser.add_argument("--via-cli", action="store_true",
                        help="start the server with `convenantbot serve` (binds 0.0.0.0) "
                             "instead of the same app bound to 127.0.0.1")
    parser.add_argument("--questions", type=Path, default=QUESTIONS,
                        help="one question a line ('#' lines skipped)")
    parser.add_argument("--content-dir", type=Path, default=REPO / "content")
    parser.add_argument("--fake-slack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bot-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.fake_slack:
        return run_fake_slack(max_seconds=1800)
    if args.bot_server:
        return run_bot_server(args.bot_server)

    levels = [int(level) for level in args.levels.split(",") if level.strip()]
    if not levels or min(levels) < 1 or args.requests < 1 or args.rounds < 1:
        parser.error("levels, --requests and --rounds must be positive")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    questions = load_questions(args.questions)
    report: dict = {
        "machine": f"{platform.python_implementation()} {platform.python_version()}, "
                   f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}",
    }
    log(f"answer latency: {len(questions)} questions × {args.rounds} rounds …")
    report["answers"] = bench_answers(args.content_dir, questions, args.rounds)
    if not args.no_http:
        report["http"] = bench_http(args.content_dir.resolve(), questions, levels,
                                    args.requests, args.warmup, args.via_cli, log)

    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_table(report)
    missed = not report["answers"]["meets_target"] or (
        "http" in report and not report["http"]["meets_target"])
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
