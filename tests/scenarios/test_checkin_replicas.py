"""Two `convenantbot serve` processes on one PostgreSQL database, started together while a
round is due to open, one due for its reminder and one due to close: one prompt, one reminder
per person, one result (and one chart), though both processes run the due job."""

import asyncio
import os
import signal
import socket
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import select

from bot.app import build_services
from bot.checkins.answers import save_answers
from bot.checkins.calendar import Cadence, is_working_day, round_dates
from bot.checkins.models import CheckinRound
from bot.checkins.questions import load_form
from bot.checkins.rounds import run_due_steps
from bot.checkins.schedules import ScheduleInput, create_schedule
from bot.clock import utcnow
from bot.identity import ChannelRef, Person
from bot.outbox.models import Delivery
from tests.conftest import BOT_TOKEN, COORDINATOR, REPO, SIGNING_SECRET, TEAM

MEMBERS = ("U1", "U2", "U3", "U4")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def schedule_with_round(services, channel: str, *, first, remind_at=None, closes_at=None,
                              answered: tuple[str, ...] = ()) -> int:
    """A schedule whose first round is open already, with the moments the test chose."""
    zone = services.covenant.zone
    async with services.sessions() as session:
        schedule = await create_schedule(session, ScheduleInput(
            channel=ChannelRef("slack", TEAM, channel), first_opens_at=first,
            cadence=Cadence.QUARTERLY), by=Person("slack", TEAM, COORDINATOR))
        await session.flush()
        if remind_at is None:
            await session.commit()
            return schedule.id
        dates = round_dates(cadence=Cadence.QUARTERLY, first_opens_at=first, index=0, zone=zone,
                            open_days=10, remind_days_before_close=3)
        opened = CheckinRound(schedule_id=schedule.id, period=dates.period, opens_at=first,
                              remind_at=remind_at, closes_at=closes_at,
                              reminded=closes_at <= utcnow())
        session.add(opened)
        await session.commit()
        round_id = opened.id
    form = load_form(services.settings.content_dir)
    for score, user in enumerate(answered, 2):
        await save_answers(services.sessions, form, Person("slack", TEAM, user), round_id,
                           {q.id: score for q in form.scales}, first + timedelta(minutes=1))
    return schedule.id


@pytest.mark.postgres
async def test_two_serve_processes_post_each_step_once(database_url, slack_api, settings):
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes share one PostgreSQL database")
    for channel in ("COPEN", "CREMIND", "CCLOSE"):
        slack_api.add_channel(channel, name=channel.lower(), members=MEMBERS)
    services = await build_services(settings)  # migrates; the test's own third instance
    now = utcnow()
    try:
        day = services.covenant.local(now).date() - timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
        due = datetime.combine(day, time(9), tzinfo=services.covenant.zone)  # still open now
        await schedule_with_round(services, "COPEN", first=due.astimezone(UTC))
        await schedule_with_round(services, "CREMIND", first=now - timedelta(days=2),
                                  remind_at=now - timedelta(minutes=5),
                                  closes_at=now + timedelta(days=5), answered=("U1", "U2"))
        await schedule_with_round(services, "CCLOSE", first=now - timedelta(days=20),
                                  remind_at=now - timedelta(days=5),
                                  closes_at=now - timedelta(minutes=1),
                                  answered=("U1", "U2", "U3"))
        env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": slack_api.base_url, "DATABASE_URL": database_url,
               "CONTENT_DIR": str(REPO / "content"), "COORDINATOR_IDS": COORDINATOR,
               "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"}
        env.pop("SLACK_APP_TOKEN", None)
        processes = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(free_port()), env=env,
            cwd=REPO) for _ in range(2)]
        try:
            def all_sent() -> bool:
                return (len(slack_api.messages("COPEN")) >= 1
                        and len(slack_api.messages("DU3")) >= 1
                        and len(slack_api.messages("DU4")) >= 1
                        and any("Uitslag" in m["text"] for m in slack_api.messages("CCLOSE"))
                        and any("Uitslag" in m["text"] for m in slack_api.messages("DUCOORD"))
                        and len(slack_api.files) >= 1)
            await slack_api.wait_until(all_sent, timeout=90)
            # A third instance (this test) runs the due job too; and both processes have
            # answered health checks, so their start-up runs are done or under way.
            await run_due_steps(services, utcnow())

            async def settled() -> bool:
                async with services.sessions() as session:
                    rows = list(await session.exec(select(Delivery)))
                return all(row.state == "sent" for row in rows)
            deadline = asyncio.get_running_loop().time() + 30
            while not await settled():
                assert asyncio.get_running_loop().time() < deadline, "deliveries still pending"
                await asyncio.sleep(0.1)  # polling for a condition, with a deadline
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), 30)
        assert len(slack_api.messages("COPEN")) == 1
        assert [len(slack_api.messages(f"D{user}")) for user in MEMBERS] == [0, 0, 1, 1]
        assert len([m for m in slack_api.messages("CCLOSE") if "Uitslag" in m["text"]]) == 1
        assert len([m for m in slack_api.messages("DUCOORD") if "Uitslag" in m["text"]]) == 1
        assert len(slack_api.files) == 1
        assert not slack_api.messages("CREMIND")  # its prompt was before the processes
    finally:
        await services.close()
