"""The queue that does slow work after the ack."""

import asyncio
import math

from bot.background import BackgroundWork, Job, gate_submissions


async def test_jobs_run_after_submit_and_drain_finishes_them():
    work = BackgroundWork(workers=2, quiet=0.001, max_deferral=0.01)
    done: list[int] = []
    release = asyncio.Event()

    async def job(n: int) -> None:
        await release.wait()
        done.append(n)

    for n in range(5):
        await work.submit(lambda n=n: job(n))
    assert done == []  # submitting does not wait for the work
    release.set()
    await work.drain()
    assert sorted(done) == [0, 1, 2, 3, 4]


async def test_a_failing_job_does_not_stop_the_others():
    work = BackgroundWork(workers=1, quiet=0.001, max_deferral=0.01)
    done: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        done.append("fine")

    await work.submit(broken)
    await work.submit(fine)
    await work.drain()
    assert done == ["fine"]


async def test_a_full_queue_runs_the_job_at_once_instead_of_losing_it():
    work = BackgroundWork(workers=1, max_queued=1, quiet=0.01, max_deferral=0.05)
    done: list[str] = []

    async def job(name: str) -> None:
        done.append(name)

    await work.submit(lambda: job("queued"))  # waits in the queue (the worker gives way)
    await work.submit(lambda: job("second"))
    await work.submit(lambda: job("third"))
    assert done == ["second", "third"]
    await work.settled()
    assert done == ["second", "third", "queued"]  # the queued one ran too: nothing was lost
    await work.drain(grace=1)


async def test_settled_returns_once_every_queued_job_has_finished():
    work = BackgroundWork(workers=2, quiet=0.001, max_deferral=0.01)
    done: list[int] = []
    await work.settled()  # nothing queued: returns at once

    async def job(n: int) -> None:
        await asyncio.sleep(0)
        done.append(n)

    for n in range(3):
        await work.submit(lambda n=n: job(n))
    await work.settled()
    assert sorted(done) == [0, 1, 2]
    await work.drain()


async def test_work_behind_a_gate_runs_only_when_the_gate_opens():
    work = BackgroundWork(workers=1, quiet=0.001, max_deferral=0.01)
    done: list[str] = []
    loop = asyncio.get_running_loop()
    won, lost = loop.create_future(), loop.create_future()

    async def job(name: str) -> None:
        done.append(name)

    async def request(gate: asyncio.Future, name: str) -> None:  # a task, as each request is
        gate_submissions(gate)
        await work.submit(lambda: job(name))

    await asyncio.create_task(request(won, "first delivery"))
    await asyncio.create_task(request(lost, "replay"))
    await work.submit(lambda: job("ungated"))  # the gates stayed in their requests' tasks
    won.set_result(True)
    lost.set_result(False)
    await work.settled()
    assert sorted(done) == ["first delivery", "ungated"]
    await work.drain()


def _signalling_job() -> tuple[asyncio.Event, Job]:
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    return ran, job


async def test_work_waits_while_a_request_is_being_handled():
    work = BackgroundWork(workers=1, quiet=0.001, max_deferral=5.0)
    ran, job = _signalling_job()
    with work.foreground():  # an ack under way
        await work.submit(job)
        for _ in range(20):  # many quiet periods pass; the request is still in flight
            await asyncio.sleep(0.002)
        assert not ran.is_set()
    await asyncio.wait_for(ran.wait(), 1.0)  # the request done, the job runs
    await work.drain()


async def test_work_waits_for_requests_no_longer_than_its_deferral():
    work = BackgroundWork(workers=1, quiet=0.001, max_deferral=0.02)
    ran, job = _signalling_job()
    with work.foreground():  # requests never stop coming
        await work.submit(job)
        await asyncio.wait_for(ran.wait(), 1.0)
    await work.drain()


def test_idle_for_counts_from_the_end_of_the_last_request_and_is_zero_during_one():
    now = [100.0]
    work = BackgroundWork(monotonic=lambda: now[0])
    assert work.idle_for() == math.inf  # no request yet
    now[0] = 105.0
    with work.foreground():
        now[0] = 106.0
        assert work.idle_for() == 0.0
        with work.foreground():
            pass
        assert work.idle_for() == 0.0  # the outer one is still under way
    now[0] = 106.5
    assert work.idle_for() == 0.5


async def test_after_acks_returns_once_requests_pause_or_when_it_waited_long_enough():
    now = [0.0]
    work = BackgroundWork(quiet=0.005, monotonic=lambda: now[0])
    await asyncio.wait_for(work.after_acks(longest=60), 1)  # nothing under way
    with work.foreground():
        await asyncio.wait_for(work.after_acks(longest=0), 1)  # waited long enough
        waiting = asyncio.create_task(work.after_acks(longest=60))
        await asyncio.sleep(0)
        assert not waiting.done()
    now[0] += 0.005  # the request ended and nothing came in for the quiet time
    await asyncio.wait_for(waiting, 1)
