"""Claiming platform events and requests, so retried, duplicated or replayed deliveries are
handled once."""

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.database import insert_for
from bot.models import ProcessedEvent

Claim = tuple[str, str, str]  # platform, workspace id, event id


async def claim_event(
    sessions: async_sessionmaker[AsyncSession], *, platform: str, workspace_id: str,
    event_id: str, received_at: datetime | None = None,
) -> bool:
    """True for the first delivery of an event; False when it was claimed before."""
    async with sessions() as session:
        session.add(ProcessedEvent(platform=platform, workspace_id=workspace_id, event_id=event_id,
                                   received_at=received_at or utcnow()))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return False
    return True


class ClaimWriter:
    """Claims as claim_event does, but those that arrive while a write is under way go into
    the next write together: one INSERT .. ON CONFLICT DO NOTHING RETURNING, one commit.

    A claim sits on the path to the ack. One transaction per claim made 100 slash commands in
    flight wait for each other's commits on SQLite (ack p99 0.6 - 1 s in bench/bench.py); a
    transaction per batch keeps the claims' cost near that of one.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utcnow):
        self.sessions = sessions
        self.clock = clock
        self._waiting: list[tuple[Claim, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, *, platform: str, workspace_id: str, event_id: str) -> bool:
        """True for the first claim of (platform, workspace_id, event_id); False after."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(((platform, workspace_id, event_id), future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_while_waiting())
        return await future

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                won = await self._insert({claim for claim, _ in batch})
            except Exception as error:  # each claimant gets the error, as with claim_event
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for claim, future in batch:
                first = claim in won
                won.discard(claim)  # the same claim twice in one batch: the first one wins
                if not future.done():
                    future.set_result(first)

    async def _insert(self, claims: set[Claim]) -> set[Claim]:
        """Inserts the claims; returns those that were not there yet."""
        now = self.clock()
        async with self.sessions() as session:
            rows = [{"platform": platform, "workspace_id": workspace_id, "event_id": event_id,
                     "received_at": now} for platform, workspace_id, event_id in claims]
            # One statement for any number of rows (SQLAlchemy's "insertmanyvalues"), so its
            # compiled form is cached, where .values(rows) would compile anew for each count.
            statement = insert_for(session)(ProcessedEvent).on_conflict_do_nothing(
                index_elements=["platform", "workspace_id", "event_id"],
            ).returning(ProcessedEvent.__table__.c.platform,  # type: ignore[attr-defined]
                        ProcessedEvent.__table__.c.workspace_id,  # type: ignore[attr-defined]
                        ProcessedEvent.__table__.c.event_id)  # type: ignore[attr-defined]
            inserted = (await session.exec(statement, params=rows)).all()
            await session.commit()
        return {(row[0], row[1], row[2]) for row in inserted}


class SignedRequestClaims:
    """Claims requests that carry no id of their own (a slash command) by their signature.

    A signature is valid for `valid_for` after its timestamp, so the same signed bytes can be
    replayed only within that time: the claim (a processed_event row whose platform is, say,
    "slack-sig") must live that long and no longer. Expired claims are removed now and then
    while claiming, at most once per `purge_every`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, platform: str,
                 clock: Clock = utcnow, valid_for: timedelta = timedelta(minutes=5),
                 purge_every: timedelta = timedelta(minutes=1),
                 writer: ClaimWriter | None = None):
        self.sessions = sessions
        self.writer = writer or ClaimWriter(sessions, clock=clock)
        self.platform = platform
        self.clock = clock
        self.valid_for = valid_for
        self.purge_every = purge_every
        self._last_purge: datetime | None = None

    async def claim(self, *, workspace_id: str, signature: str) -> bool:
        """True for the first request with this signature; False for a replay of it."""
        now = self.clock()
        if self._last_purge is None or now - self._last_purge >= self.purge_every:
            self._last_purge = now
            await self.purge(before=now - self.valid_for)
        return await self.writer.claim(platform=self.platform, workspace_id=workspace_id,
                                       event_id=signature)

    async def purge(self, *, before: datetime) -> int:
        """Removes the claims received before `before`; returns how many."""
        async with self.sessions() as session:
            result = await session.exec(delete(ProcessedEvent).where(
                ProcessedEvent.platform == self.platform,  # type: ignore[arg-type]
                ProcessedEvent.received_at < before,  # type: ignore[arg-type]
            ))
            await session.commit()
            return result.rowcount or 0
