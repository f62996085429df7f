"""The scheduler: APScheduler decides when, a claimed step decides whether (SQLite and
PostgreSQL); a scheduled send survives a restart and goes out once."""

import asyncio
import time
from datetime import timedelta

from sqlmodel import select

from bot.identity import ChannelRef
from bot.outbox.queue import enqueue
from bot.scheduling import ScheduledStep, Scheduler, claim_step
from tests.bot.outbox.conftest import TEMPLATE, rows
from tests.conftest import TEAM


async def test_a_step_is_claimed_once_and_freed_by_a_rollback(sessions):
    async with sessions() as session:
        assert await claim_step(session, "demo:1:send")
        await session.rollback()
    async with sessions() as session:
        assert await claim_step(session, "demo:1:send")
        await session.commit()
    async with sessions() as session:
        assert not await claim_step(session, "demo:1:send")
        assert await claim_step(session, "demo:1:remind")
        await session.commit()
    async with sessions() as session:
        keys = [step.key for step in await session.exec(select(ScheduledStep))]
    assert sorted(keys) == ["demo:1:remind", "demo:1:send"]


async def test_two_claimants_at_once_one_wins(sessions):
    async def claim() -> bool:
        async with sessions() as session:
            won = await claim_step(session, "demo:2:send")
            await asyncio.sleep(0)  # let the other one try while this one is open
            await session.commit()
            return won

    assert sorted(await asyncio.gather(claim(), claim())) == [False, True]


def _scheduled_send(sessions, wake):
    """A due job as a capability writes one: what is due, claimed, enqueued, one commit."""
    async def send_due(now) -> None:
        due_at = wake["at"]
        if now < due_at:
            return
        async with sessions() as session:
            if not await claim_step(session, "demo:3:send"):
                return
            for channel in ("C1", "C2"):
                await enqueue(session, key=f"demo:3:post:{channel}",
                              target=ChannelRef("slack", TEAM, channel), template=TEMPLATE,
                              data={"text": "gepland"}, topic="demo:3")
            await session.commit()
        wake["runs"] += 1

    return send_due


async def test_a_scheduled_send_after_a_restart_goes_out_once(sessions, make_dispatcher,
                                                              slack_api, clock):
    wake = {"at": clock() + timedelta(hours=1), "runs": 0}
    before = Scheduler(clock)
    before.add_due_job("demo", _scheduled_send(sessions, wake))
    await before.run_due()  # not due yet; then the process stops
    assert await rows(sessions) == []
    # Two processes after the restart (or a restart and a catch-up run) find it due.
    after, replica = Scheduler(clock), Scheduler(clock)
    for scheduler in (after, replica):
        scheduler.add_due_job("demo", _scheduled_send(sessions, wake))
    clock.advance(hours=2)
    await asyncio.gather(after.run_due(), replica.run_due(), after.run_due())
    assert wake["runs"] == 1
    await make_dispatcher(sessions=sessions).run_once()
    assert len(slack_api.messages("C1")) == 1 and len(slack_api.messages("C2")) == 1


async def test_runs_of_one_job_take_turns_and_a_failure_does_not_stop_the_others(clock):
    running, overlaps, ran = [0], [0], []

    async def slow(now) -> None:
        running[0] += 1
        overlaps[0] = max(overlaps[0], running[0])
        await asyncio.sleep(0.01)
        running[0] -= 1
        ran.append("slow")

    async def broken(now) -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler(clock)
    scheduler.add_due_job("broken", broken)
    scheduler.add_due_job("slow", slow)
    await asyncio.gather(scheduler.run_due(), scheduler.run_due(), scheduler._run("slow"))
    assert ran == ["slow"] * 3 and overlaps[0] == 1


async def test_started_the_scheduler_runs_due_jobs_at_once_and_at_a_woken_time(clock):
    seen: list[str] = []

    async def job(now) -> None:
        seen.append("run")

    scheduler = Scheduler(clock, interval=timedelta(hours=1))
    scheduler.add_due_job("demo", job)
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while not seen:  # the catch-up run at start
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        scheduler.wake_at(clock() - timedelta(seconds=1), "demo")  # already past: at once
        while len(seen) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
    finally:
        scheduler.shutdown()


async def test_a_due_job_waits_for_its_turn_after_the_acks(clock):
    asked, acks_done = asyncio.Event(), asyncio.Event()
    ran: list[object] = []

    async def give_way() -> None:
        asked.set()
        await acks_done.wait()

    async def job(now) -> None:
        ran.append(now)

    scheduler = Scheduler(clock, give_way=give_way)
    scheduler.add_due_job("demo", job)
    running = asyncio.create_task(scheduler.run_due())
    await asked.wait()
    assert ran == []
    acks_done.set()
    await running
    assert ran == [clock()]
