"""When and whether: APScheduler decides *when* a due job runs (now and then, at start to
catch up after downtime, and at the exact moments asked for); a UNIQUE row decides *whether*
a step happens, so two replicas, a restart or a catch-up never do a step twice.

Due jobs are plain async functions of the current time that read from the database what is
due, so tests call them directly (`run_due`) with a clock of their own.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.database import insert_for
from bot.models import timestamp_column

logger = logging.getLogger(__name__)

DueJob = Callable[[datetime], Awaitable[None]]


class ScheduledStep(SQLModel, table=True):
    """A step that happened: "announcement:12:send", "checkin:3:2026Q1:remind"."""

    __tablename__ = "scheduled_step"
    __table_args__ = (UniqueConstraint("key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255)
    done_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


async def claim_step(session: AsyncSession, key: str) -> bool:
    """Claims `key` inside the caller's transaction: True for the first claimant. A second
    replica claiming the same key waits for the first one's commit, then gets False; if the
    first one rolls back, the step is free again."""
    statement = (insert_for(session)(ScheduledStep).values(key=key, done_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["key"]).returning(col(ScheduledStep.id)))
    return (await session.execute(statement)).scalar_one_or_none() is not None


class Scheduler:
    """Runs the registered due jobs every `interval`, at start, and at moments asked for."""

    def __init__(self, clock: Clock = utcnow, *, interval: timedelta = timedelta(seconds=30),
                 give_way: Callable[[], Awaitable[None]] | None = None):
        """`give_way`: awaited before each job, to let acks go first (a due job's round of
        queries took 15 – 40 ms of the event loop; see BackgroundWork.after_acks)."""
        self.clock = clock
        self.interval = interval
        self._give_way = give_way
        self._jobs: dict[str, DueJob] = {}
        self._running: dict[str, asyncio.Lock] = {}
        self._scheduler: AsyncIOScheduler | None = None

    def add_due_job(self, name: str, job: DueJob) -> None:
        self._jobs[name] = job
        if self._scheduler is not None:
            self._schedule_interval(name)

    def wake_at(self, when: datetime, name: str) -> None:
        """Runs the due job `name` at `when` too (say, a scheduled send's time), so it does
        not wait for the next interval. Lost at a restart, which the interval makes up for
        (it runs at start too); a time already past runs at once."""
        if self._scheduler is None:
            return
        self._scheduler.add_job(self._run, "date", run_date=when, args=[name],
                                id=f"{name}@{when.isoformat()}", replace_existing=True,
                                misfire_grace_time=None)

    async def run_due(self, now: datetime | None = None) -> None:
        """Runs every due job once (tests call this with a time of their own)."""
        for name in list(self._jobs):
            await self._run(name, now)

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        for name in self._jobs:
            self._schedule_interval(name)
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def _schedule_interval(self, name: str) -> None:
        assert self._scheduler is not None
        # next_run_time now: catch up on what fell due while the bot was down.
        self._scheduler.add_job(self._run, "interval", args=[name], id=name,
                                seconds=self.interval.total_seconds(), next_run_time=utcnow(),
                                coalesce=True, max_instances=1, replace_existing=True,
                                misfire_grace_time=None)

    async def _run(self, name: str, now: datetime | None = None) -> None:
        """Runs one due job; runs of the same job in this process (the interval, a wake_at,
        a test's run_due) take turns, so a job never overlaps itself here (claim_step keeps
        replicas apart). A failure is logged; the next run tries again."""
        job = self._jobs.get(name)
        if job is None:
            return
        lock = self._running.setdefault(name, asyncio.Lock())
        async with lock:
            if self._give_way is not None:
                await self._give_way()
            try:
                await job(now or self.clock())
            except Exception:
                logger.exception("scheduled job %s failed", name)
