"""The reminder DMs: some days before a session and on the day before (content/meetings),
each claimed once as `meeting:{id}:session:{sid}:remind:{days}`, and once more for each time
the session moves (`…:remind:{days}:seq{n}`): a session put off by a week gets its reminders
for the new date."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.deps import Services
from bot.meetings.models import Meeting, MeetingSession, MeetingState, SessionState, Status
from bot.meetings.notices import refresh_invitations, tell
from bot.meetings.planning import REMIND_JOB, meeting_defaults
from bot.meetings.store import aware, registrations
from bot.scheduling import DueJob, claim_step

__all__ = ["REMIND_JOB", "reminder_job", "send_reminders"]


def reminder_job(services: Services) -> DueJob:
    """The due job; reads content/meetings now, so bad content stops the start."""
    meeting_defaults(services)

    async def remind_meetings(now: datetime) -> None:
        await send_reminders(services, now)
        await close_at_deadline(services, now)
    return remind_meetings


async def close_at_deadline(services: Services, now: datetime) -> int:
    """Re-renders the invitations of meetings whose deadline passed (once each, claimed as
    `meeting:{id}:closed`), so they say registration is closed and lose their buttons."""
    closed = 0
    async with services.sessions() as db:
        rows = await db.exec(select(Meeting).where(col(Meeting.state) == MeetingState.OPEN,
                                                   col(Meeting.rsvp_deadline) <= now))
        due = list(rows)
    for meeting in due:
        async with services.sessions() as db:
            if await claim_step(db, f"meeting:{meeting.id}:closed"):
                await refresh_invitations(db, meeting.id or 0, now)
                closed += 1
            await db.commit()
    if closed:
        services.outbox.wake()
    return closed


async def send_reminders(services: Services, now: datetime, *,
                         days: Callable[[], list[int]] | None = None) -> int:
    """Sends every reminder that is due; returns how many DMs were queued. A reminder whose
    moment passed before the meeting was made, or before its session last moved, is claimed
    without sending (a 7-day reminder for a meeting made 3 days ahead would only repeat the
    confirmation, and after a move everyone confirmed has just had the new date)."""
    reminder_days = days() if days else meeting_defaults(services).reminder_days
    horizon = now + timedelta(days=max(reminder_days, default=0))
    queued = 0
    async with services.sessions() as db:
        rows = await db.exec(
            select(MeetingSession, Meeting)
            .join(Meeting, col(Meeting.id) == col(MeetingSession.meeting_id))
            .where(col(Meeting.state) == MeetingState.OPEN,
                   col(MeetingSession.state) == SessionState.PLANNED,
                   col(MeetingSession.starts_at) > now,
                   col(MeetingSession.starts_at) <= horizon))
        due = list(rows)
    for session, meeting in due:
        starts = aware(session.starts_at)
        planned = aware(session.changed_at or meeting.created_at)
        moves = f":seq{session.sequence}" if session.sequence else ""
        passed = [before for before in reminder_days if starts - timedelta(days=before) <= now]
        for before in passed:
            moment = starts - timedelta(days=before)
            # Only the nearest reminder goes out after a pause; older ones are just claimed.
            send = before == min(passed) and moment >= planned
            async with services.sessions() as db:
                if not await claim_step(db, f"meeting:{meeting.id}:session:{session.id}:"
                                            f"remind:{before}{moves}"):
                    continue
                if send:
                    for registration in await registrations(
                            db, meeting.id or 0, session_id=session.id,
                            statuses=(Status.CONFIRMED,)):
                        await tell(db, meeting, registration, reason="reminder", now=now,
                                   key_suffix=f":{session.id}:{before}{moves}", days=before)
                        queued += 1
                await db.commit()
    if queued:
        services.outbox.wake()
    return queued
