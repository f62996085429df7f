"""Slow work done after the platform has its acknowledgement.

Slack wants an ack within 3 seconds and lets the answer follow. So listeners ack and queue
their work here; a few worker tasks run it, and give way to acks: while requests keep coming
in, a job waits, but never longer than `max_deferral` after it was queued. 2.5 s: a burst of a
few hundred commands or clicks is acked before the first answer is composed (at 250 ms, a burst
of 300 /vraag at one in flight outlasted it, and its acks then waited behind answers: p50 9.6 ms
against 1.5 – 2.1 ms at one second, bench/bench.py on 2026-11-29), and Slack's 3 s for the ack
are never at stake.
"""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]

_gate: ContextVar[Awaitable[bool] | None] = ContextVar("background_gate", default=None)


def gate_submissions(gate: Awaitable[bool]) -> None:
    """Work submitted from now on in the current asyncio task (the server runs each request in
    a task of its own) runs only when `gate` (a Task or Future) comes out True: say, the claim
    of the request the work serves. The claim is then decided while the ack goes out, instead
    of before it."""
    _gate.set(gate)


class BackgroundWork:
    def __init__(self, *, workers: int = 4, max_queued: int = 10_000,
                 quiet: float = 0.005, max_deferral: float = 2.5,
                 monotonic: Callable[[], float] = time.monotonic):
        self._monotonic = monotonic
        self._worker_count = workers
        self._quiet = quiet
        self._max_deferral = max_deferral
        self._queue: asyncio.Queue[tuple[float, Job]] = asyncio.Queue(maxsize=max_queued)
        self._workers: list[asyncio.Task] = []
        self._last_submit = 0.0
        self._in_flight = 0  # platform requests being handled now (each waits for its ack)
        self._foreground_ended = -math.inf  # when the last one was handled

    @contextlib.contextmanager
    def foreground(self) -> Iterator[None]:
        """Around the handling of a platform request: queued work waits while any is under
        way (a gap between requests alone says little: one job running makes such gaps)."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._foreground_ended = self._monotonic()

    async def after_acks(self, longest: float = 0.05) -> None:
        """Returns once no platform request has been under way for the quiet time, or after
        `longest` seconds: for work that can wait that long (the outbox's next call), so it
        does not lengthen a burst of acks, which all wait while any other work runs."""
        deadline = self._monotonic() + longest
        while (idle := self.idle_for()) < self._quiet:
            left = deadline - self._monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(self._quiet - idle, left))

    def idle_for(self) -> float:
        """Seconds since the last platform request was handled; 0 while one is."""
        return 0.0 if self._in_flight else self._monotonic() - self._foreground_ended

    async def submit(self, job: Job) -> None:
        """Queues `job`; when the bot is that far behind, runs it right away instead, as a
        late ack beats a lost answer."""
        gate = _gate.get()
        if gate is not None:
            job = _behind(gate, job)
        loop = asyncio.get_running_loop()
        if not self._workers:
            self._workers = [loop.create_task(self._work(), name=f"background-{n}")
                             for n in range(self._worker_count)]
        self._last_submit = loop.time()
        try:
            self._queue.put_nowait((self._last_submit, job))
        except asyncio.QueueFull:
            logger.warning("background queue full: running a job before the ack")
            await job()

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            queued_at, job = await self._queue.get()
            try:
                await self._give_way_to_acks(loop, queued_at)
                await job()
            except Exception:
                logger.exception("background job failed")
            finally:
                self._queue.task_done()

    async def _give_way_to_acks(self, loop: asyncio.AbstractEventLoop, queued_at: float) -> None:
        # Polling, as "no request for a few milliseconds" is the absence of an event.
        while True:
            now = loop.time()
            if now - queued_at >= self._max_deferral:
                return
            if not self._in_flight and now - self._last_submit >= self._quiet:
                return
            await asyncio.sleep(self._quiet)

    async def settled(self) -> None:
        """Returns once every job queued so far has finished: a signal to wait on (tests
        wait on it before asserting that nothing happened) instead of a guessed sleep."""
        if self._workers:
            await self._queue.join()

    async def drain(self, grace: float = 30.0) -> None:
        """Finishes the queued jobs (for up to `grace` seconds), then stops the workers."""
        if self._workers:
            try:
                await asyncio.wait_for(self._queue.join(), grace)
            except TimeoutError:
                logger.warning("stopping with %d unfinished jobs", self._queue.qsize())
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []


def _behind(gate: Awaitable[bool], job: Job) -> Job:
    async def gated() -> None:
        if await gate:
            await job()

    return gated
