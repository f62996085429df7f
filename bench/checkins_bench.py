"""Check-in benchmark: 300 team schedules due in the same minute.

Measures the time from the due job's start until every round's prompt is posted, as a ratio
of the least time the rate limits allow, and counts duplicate prompts while two instances of
the bot (two complete Services, each with its own engine, scheduler job and outbox dispatcher)
run on one PostgreSQL database against one fake Slack.

The fake Slack (tests/fakes) enforces Slack's documented 1 message per second per channel and a
workspace-wide chat.postMessage limit (default 20 per second, an assumption: Slack publishes no
exact figure). With N prompts to N channels and a workspace limit of R per second in a rolling
one-second window, the least possible time is (ceil(N / R) - 1) seconds.

    PYTHONPATH=. python bench/checkins_bench.py [--schedules 300] [--rate 20] [--instances 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from bot.app import add_slack_sender, build_services  # noqa: E402
from bot.checkins.calendar import next_working_day  # noqa: E402
from bot.checkins.rounds import run_due_steps  # noqa: E402
from bot.checkins.schedules import ScheduleInput, create_schedule  # noqa: E402
from bot.identity import ChannelRef, Person  # noqa: E402
from bot.outbox.models import Delivery  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BOT_TOKEN = "xoxb-bench-token"
TEAM = "TBENCH"
TIMEOUT = 300.0


def _first_opening() -> datetime:
    """09:00 Amsterdam time on a working day well ahead: every schedule's first round."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Amsterdam")
    day = next_working_day(datetime.now(UTC).date() + timedelta(days=7))
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone).astimezone(UTC)


async def run(schedules: int, rate: float, instances: int) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    database_url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    due = _first_opening()
    started = time.monotonic()

    def clock() -> datetime:
        # The due moment, then real time: retries after a 429 come due as they would live.
        return due + timedelta(seconds=time.monotonic() - started)

    try:
        async with FakeSlackApi(bot_token=BOT_TOKEN, bot_user_id="UBOT", team_id=TEAM) as fake:
            fake.set_channel_rate("chat.postMessage", 1.0)
            fake.set_workspace_rate(("chat.postMessage",), rate)
            settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN,
                                slack_signing_secret="bench", slack_api_url=fake.base_url,
                                database_url=database_url, content_dir=REPO / "content")
            bots = [await build_services(settings, clock=clock) for _ in range(instances)]
            try:
                for bot in bots:
                    add_slack_sender(bot)
                async with bots[0].sessions() as session:
                    for n in range(schedules):
                        await create_schedule(session, ScheduleInput(
                            channel=ChannelRef("slack", TEAM, f"C{n:05d}"),
                            first_opens_at=due), by=Person("slack", TEAM, "UCOORD"))
                    await session.commit()
                for bot in bots:
                    await bot.outbox.start()
                started = time.monotonic()
                begin = time.perf_counter()
                await asyncio.gather(*(run_due_steps(bot, clock()) for bot in bots))
                decided = time.perf_counter() - begin

                def posted_channels() -> set[str]:
                    return {c["channel"] for c in fake.calls_to("chat.postMessage")}
                await fake.wait_until(lambda: len(posted_channels()) >= schedules,
                                      timeout=TIMEOUT)
                elapsed = time.perf_counter() - begin
                # Let every dispatcher finish what it claimed, then count duplicates.
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    async with bots[0].sessions() as session:
                        waiting = (await session.exec(select(func.count()).select_from(
                            Delivery).where(Delivery.state != "sent"))).one()
                    if not waiting:
                        break
                    await asyncio.sleep(0.1)
                posts = fake.calls_to("chat.postMessage")
                minimum = max(math.ceil(schedules / rate) - 1, 0) or 1 / rate
                return {
                    "schedules": schedules, "instances": instances,
                    "workspace_rate_per_s": rate, "decide_s": round(decided, 2),
                    "all_posted_s": round(elapsed, 2), "minimum_s": minimum,
                    "ratio": round(elapsed / minimum, 2),
                    "prompts_posted": len(posts),
                    "duplicates": len(posts) - len(posted_channels()),
                    "ratelimited_answers": fake.rate_limited_count,
                }
            finally:
                for bot in bots:
                    await bot.close()
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schedules", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.schedules, args.rate, args.instances))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    return 0 if result["duplicates"] == 0 and result["prompts_posted"] >= args.schedules else 1


if __name__ == "__main__":
    raise SystemExit(main())
