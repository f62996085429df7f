"""The view data of meeting messages, loaded at send time (the outbox's ViewLoaders): the
invitation with the seats of now, the calendar DMs with their .ics, the CSV export."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import utcnow
from bot.meetings.calendar import CANCEL, REQUEST, session_ics
from bot.meetings.models import Meeting, MeetingSession, MeetingState, Registration, Status
from bot.meetings.notices import CALENDAR, CANCEL_REASONS, EXPORT, INVITE, NOTICE
from bot.meetings.roster import export_csv, load_roster
from bot.meetings.store import aware, meeting_sessions
from bot.outbox.sender import ViewLoader


def local_iso(moment: datetime, zone: ZoneInfo) -> str:
    return aware(moment).astimezone(zone).isoformat()


def session_view(session: MeetingSession, zone: ZoneInfo, waitlist: int = 0) -> dict:
    return {"id": session.id, "starts": local_iso(session.starts_at, zone),
            "ends": local_iso(session.ends_at, zone), "location": session.location,
            "capacity": session.capacity, "taken": session.taken,
            "left": max(0, session.capacity - session.taken), "waitlist": waitlist,
            "state": session.state}


def meeting_view(meeting: Meeting, sessions: list[MeetingSession], waitlists: dict[int, int],
                 now: datetime) -> dict:
    """Everything an invitation shows, platform-neutral."""
    zone = ZoneInfo(meeting.timezone)
    deadline = aware(meeting.rsvp_deadline) if meeting.rsvp_deadline else None
    return {
        "meeting_id": meeting.id, "title": meeting.title, "description": meeting.description,
        "agenda": meeting.agenda, "practical": meeting.practical, "mandatory": meeting.mandatory,
        "deadline": deadline.astimezone(zone).isoformat() if deadline else None,
        "closed": bool(deadline and deadline <= now),
        "cancelled": meeting.state == MeetingState.CANCELLED,
        "sessions": [session_view(s, zone, waitlists.get(s.id or 0, 0)) for s in sessions],
    }


async def load_meeting_view(db: AsyncSession, meeting_id: int, now: datetime | None = None
                            ) -> dict | None:
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None:
        return None
    sessions = await meeting_sessions(db, meeting_id)
    counts = await db.exec(
        select(Registration.session_id, func.count())
        .where(col(Registration.meeting_id) == meeting_id,
               col(Registration.status) == Status.WAITLISTED)
        .group_by(col(Registration.session_id)))
    waitlists = {session_id: count for session_id, count in counts if session_id is not None}
    return meeting_view(meeting, sessions, waitlists, now or utcnow())


async def _invite(db: AsyncSession, data: dict) -> dict | None:
    return await load_meeting_view(db, int(data["meeting_id"]))


async def _calendar(db: AsyncSession, data: dict) -> dict | None:
    view = await _notice(db, data)
    if view is None:
        return None
    session = await db.get(MeetingSession, int(data["session_id"]))
    meeting = await db.get(Meeting, int(data["meeting_id"]))
    assert session is not None and meeting is not None
    method = CANCEL if data["reason"] in CANCEL_REASONS else REQUEST
    view["ics"] = session_ics(
        session_id=session.id or 0, title=meeting.title, description=meeting.description,
        location=session.location, starts_at=aware(session.starts_at),
        ends_at=aware(session.ends_at), sequence=session.sequence,
        zone=ZoneInfo(meeting.timezone), method=method, stamp=datetime.now(UTC),
    ).decode("utf-8")
    view["method"] = method
    view["filename"] = f"bijeenkomst-{meeting.id}-sessie-{session.id}.ics"
    return view


async def _notice(db: AsyncSession, data: dict) -> dict | None:
    meeting = await db.get(Meeting, int(data["meeting_id"]))
    session = await db.get(MeetingSession, int(data["session_id"] or 0))
    if meeting is None or session is None:
        return None
    zone = ZoneInfo(meeting.timezone)
    return {**data, "title": meeting.title, "session": session_view(session, zone),
            "practical": meeting.practical}


async def _export(db: AsyncSession, data: dict) -> dict | None:
    roster = await load_roster(db, int(data["meeting_id"]))
    if roster is None:
        return None
    return {"meeting_id": roster.meeting_id, "title": roster.title,
            "csv": export_csv(roster),
            "filename": f"deelnemers-bijeenkomst-{roster.meeting_id}.csv",
            "confirmed": sum(len(s.confirmed) for s in roster.sessions)}


def meeting_views() -> dict[str, ViewLoader]:
    """The outbox templates of meetings and their loaders (bot.app.domain_views)."""
    return {INVITE: _invite, CALENDAR: _calendar, NOTICE: _notice, EXPORT: _export}
