"""Claiming platform events and requests, so retried, duplicated or replayed deliveries are
handled once."""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, utcnow
from bot.models import ProcessedEvent


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


class SignedRequestClaims:
    """Claims requests that carry no id of their own (a slash command) by their signature.

    A signature is valid for `valid_for` after its timestamp, so the same signed bytes can be
    replayed only within that time: the claim (a processed_event row whose platform is, say,
    "slack-sig") must live that long and no longer. Expired claims are removed now and then
    while claiming, at most once per `purge_every`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, platform: str,
                 clock: Clock = utcnow, valid_for: timedelta = timedelta(minutes=5),
                 purge_every: timedelta = timedelta(minutes=1)):
        self.sessions = sessions
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
        return await claim_event(self.sessions, platform=self.platform,
                                 workspace_id=workspace_id, event_id=signature, received_at=now)

    async def purge(self, *, before: datetime) -> int:
        """Removes the claims received before `before`; returns how many."""
        async with self.sessions() as session:
            result = await session.exec(delete(ProcessedEvent).where(  # type: ignore[call-overload]
                ProcessedEvent.platform == self.platform,  # type: ignore[arg-type]
                ProcessedEvent.received_at < before,  # type: ignore[arg-type]
            ))
            await session.commit()
            return result.rowcount or 0
