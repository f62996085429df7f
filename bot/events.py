"""Claiming platform events, so retried or duplicated deliveries are handled once."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import ProcessedEvent


async def claim_event(
    sessions: async_sessionmaker[AsyncSession], *, platform: str, workspace_id: str, event_id: str
) -> bool:
    """True for the first delivery of an event; False when it was claimed before."""
    async with sessions() as session:
        session.add(ProcessedEvent(platform=platform, workspace_id=workspace_id, event_id=event_id))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return False
    return True
