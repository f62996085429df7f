"""Small queries and the transaction helper the meeting modules share."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.identity import Person
from bot.meetings.models import Meeting, MeetingSession, Registration

logger = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 5


def _is_transient(error: DBAPIError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), or a busy database (SQLite):
    the whole transaction may simply run again."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in ("40P01", "40001") or "database is locked" in str(error.orig)


async def in_transaction(sessions: async_sessionmaker[AsyncSession],
                         work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `work` in a transaction of its own, again when the database asks for it."""
    for attempt in range(ATTEMPTS):
        async with sessions() as session:
            try:
                return await work(session)
            except DBAPIError as error:
                await session.rollback()
                if attempt == ATTEMPTS - 1 or not _is_transient(error):
                    raise
                logger.info("meeting transaction retried after %s", error.orig)
        await asyncio.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


async def meeting_sessions(session: AsyncSession, meeting_id: int) -> list[MeetingSession]:
    rows = await session.exec(select(MeetingSession)
                              .where(col(MeetingSession.meeting_id) == meeting_id)
                              .order_by(col(MeetingSession.starts_at), col(MeetingSession.id)))
    return list(rows)


async def registration_of(session: AsyncSession, meeting_id: int, person: Person
                          ) -> Registration | None:
    rows = await session.exec(select(Registration).where(
        col(Registration.meeting_id) == meeting_id,
        col(Registration.platform) == person.platform,
        col(Registration.workspace_id) == person.workspace_id,
        col(Registration.user_id) == person.user_id))
    return rows.first()


async def registrations(session: AsyncSession, meeting_id: int, *,
                        statuses: tuple[str, ...] | None = None,
                        session_id: int | None = None) -> list[Registration]:
    query = select(Registration).where(col(Registration.meeting_id) == meeting_id)
    if statuses is not None:
        query = query.where(col(Registration.status).in_(statuses))
    if session_id is not None:
        query = query.where(col(Registration.session_id) == session_id)
    rows = await session.exec(query.order_by(col(Registration.position), col(Registration.id)))
    return list(rows)


async def open_meetings(session: AsyncSession) -> list[Meeting]:
    rows = await session.exec(select(Meeting).where(col(Meeting.state) == "open")
                              .order_by(col(Meeting.id)))
    return list(rows)


def person_of(registration: Registration) -> Person:
    return Person(registration.platform, registration.workspace_id, registration.user_id)


def aware(moment: datetime) -> datetime:
    """A stored timestamp as UTC-aware (SQLite hands them back without a zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def changed_rows(result: object) -> int:
    """How many rows an UPDATE changed (a CursorResult's rowcount)."""
    return int(getattr(result, "rowcount", 0) or 0)
