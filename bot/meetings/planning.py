"""Creating, changing and cancelling meetings and sessions (coordinators only)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Services
from bot.identity import Person
from bot.meetings.content import MeetingDefaults, load_meeting_defaults
from bot.meetings.models import Meeting, MeetingSession, MeetingState, SessionState, Status
from bot.meetings.notices import post_invitations, refresh_invitations, tell
from bot.meetings.seats import promote
from bot.meetings.store import aware, changed_rows, in_transaction, meeting_sessions, registrations

REMIND_JOB = "meetings.remind"
MAX_CAPACITY = 10_000

_defaults: dict[str, MeetingDefaults] = {}


def meeting_defaults(services: Services) -> MeetingDefaults:
    """content/meetings/meetings.yaml, read once per content folder."""
    key = str(services.settings.content_dir)
    if key not in _defaults:
        _defaults[key] = load_meeting_defaults(services.settings.content_dir)
    return _defaults[key]


class NotCoordinator(Exception):
    pass


class Invalid(Exception):
    """Input a person can fix: `errors` maps a field ("title", "session.0.end") to a text key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Gone(Exception):
    """The meeting or session does not exist (any more) or is cancelled; `code` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class SessionDraft:
    """A session as typed: a local date and wall-clock times, capacity as text."""

    day: date | None
    start: time | None
    end: time | None
    location: str = ""
    capacity: str = ""


@dataclass
class MeetingDraft:
    title: str
    channels: list[str]
    sessions: list[SessionDraft]
    description: str = ""
    agenda: str = ""
    practical: str = ""
    mandatory: bool = False
    rsvp_deadline: datetime | None = None  # UTC
    language: str = "nl"
    errors: dict[str, str] = field(default_factory=dict)


def _capacity(text: str) -> int | None:
    text = text.strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_CAPACITY else None


def _session_errors(index: int, draft: SessionDraft, services: Services, now: datetime,
                    errors: dict[str, str]) -> tuple[datetime, datetime] | None:
    prefix = f"session.{index}"
    if _capacity(draft.capacity) is None:
        errors[f"{prefix}.capacity"] = "error_capacity"
    if draft.day is None:
        errors[f"{prefix}.day"] = "error_day_missing"
        return None
    if draft.start is None or draft.end is None:
        errors[f"{prefix}.start" if draft.start is None else f"{prefix}.end"] = \
            "error_time_missing"
        return None
    zone = services.covenant.zone
    starts = datetime.combine(draft.day, draft.start, zone).astimezone(now.tzinfo)
    ends = datetime.combine(draft.day, draft.end, zone).astimezone(now.tzinfo)
    if ends <= starts:
        errors[f"{prefix}.end"] = "error_end_before_start"
    if starts <= now:
        errors[f"{prefix}.day"] = "error_in_past"
    return starts, ends


def validate(services: Services, draft: MeetingDraft, now: datetime
             ) -> tuple[dict[str, str], list[tuple[datetime, datetime]]]:
    """Field errors (text keys) and the sessions' UTC times."""
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = "error_title"
    if not draft.channels:
        errors["channels"] = "error_channels"
    if not draft.sessions:
        errors["sessions"] = "error_no_session"
    times = []
    for index, session in enumerate(draft.sessions):
        found = _session_errors(index, session, services, now, errors)
        if found is not None:
            times.append(found)
    if draft.rsvp_deadline is not None:
        if draft.rsvp_deadline <= now:
            errors["rsvp_deadline"] = "error_deadline_past"
        elif times and draft.rsvp_deadline > min(start for start, _ in times):
            errors["rsvp_deadline"] = "error_deadline_after_session"
    return errors, times


async def create_meeting(services: Services, person: Person, draft: MeetingDraft) -> Meeting:
    """Stores a meeting with its sessions and posts the invitation to its channels, in one
    transaction. Raises NotCoordinator or Invalid (nothing stored)."""
    if not services.coordinators.includes(person):
        raise NotCoordinator()
    now = services.clock()
    errors, times = validate(services, draft, now)
    if errors:
        raise Invalid(errors)

    async def work(db: AsyncSession) -> Meeting:
        meeting = Meeting(platform=person.platform, workspace_id=person.workspace_id,
                          title=draft.title.strip(), description=draft.description.strip(),
                          agenda=draft.agenda.strip(), practical=draft.practical.strip(),
                          mandatory=draft.mandatory, rsvp_deadline=draft.rsvp_deadline,
                          channels=list(dict.fromkeys(draft.channels)), language=draft.language,
                          timezone=services.covenant.timezone, created_by=person.user_id,
                          created_at=now)
        db.add(meeting)
        await db.flush()
        assert meeting.id is not None
        for (starts, ends), session in zip(times, draft.sessions, strict=True):
            db.add(MeetingSession(meeting_id=meeting.id, starts_at=starts, ends_at=ends,
                                  location=session.location.strip(),
                                  capacity=int(session.capacity.strip())))
        await post_invitations(db, meeting, now)
        await db.commit()
        return meeting

    meeting = await in_transaction(services.sessions, work)
    services.outbox.wake()
    _wake_for_reminders(services, [start for start, _ in times])
    if draft.rsvp_deadline is not None:
        services.scheduler.wake_at(draft.rsvp_deadline, REMIND_JOB)
    return meeting


def _wake_for_reminders(services: Services, starts: list[datetime]) -> None:
    for start in starts:
        for days in meeting_defaults(services).reminder_days:
            services.scheduler.wake_at(start - timedelta(days=days), REMIND_JOB)


@dataclass
class SessionChange:
    """What a coordinator changes; None keeps the current value."""

    day: date | None = None
    start: time | None = None
    end: time | None = None
    location: str | None = None
    capacity: str | None = None


async def change_session(services: Services, person: Person, session_id: int,
                         change: SessionChange) -> MeetingSession:
    """New time, place or capacity. Everyone confirmed gets the updated .ics (SEQUENCE + 1),
    the waitlist a notice; a lower capacity keeps everyone confirmed, a higher one promotes."""
    if not services.coordinators.includes(person):
        raise NotCoordinator()
    now = services.clock()
    zone = services.covenant.zone

    async def work(db: AsyncSession) -> MeetingSession:
        meeting, session = await _locked_session(db, session_id)
        local_start, local_end = aware(session.starts_at).astimezone(zone), aware(
            session.ends_at).astimezone(zone)
        draft = SessionDraft(
            day=change.day or local_start.date(), start=change.start or local_start.time(),
            end=change.end or local_end.time(),
            location=session.location if change.location is None else change.location,
            capacity=str(session.capacity) if change.capacity is None else change.capacity)
        errors: dict[str, str] = {}
        times = _session_errors(0, draft, services, now, errors)
        if errors or times is None:
            raise Invalid(errors)
        starts, ends = times
        moved = (starts, ends, draft.location.strip()) != (
            aware(session.starts_at), aware(session.ends_at), session.location)
        session.starts_at, session.ends_at = starts, ends
        session.location = draft.location.strip()
        session.capacity = int(draft.capacity.strip())
        if moved:
            session.sequence += 1
            session.changed_at = now
        db.add(session)
        await db.flush()
        if moved:
            for registration in await registrations(db, session.meeting_id, session_id=session_id,
                                                    statuses=(Status.CONFIRMED,
                                                              Status.WAITLISTED)):
                reason = "changed" if registration.status == Status.CONFIRMED else \
                    "changed_waitlist"
                await tell(db, meeting, registration, reason=reason, now=now,
                           key_suffix=f":seq{session.sequence}")
        await promote(db, meeting, session_id, now)
        await refresh_invitations(db, session.meeting_id, now)
        await db.commit()
        return session

    session = await in_transaction(services.sessions, work)
    services.outbox.wake()
    _wake_for_reminders(services, [session.starts_at])
    return session


async def cancel_session(services: Services, person: Person, session_id: int) -> MeetingSession:
    """Calls a session off: confirmed people get a CANCEL .ics, the waitlist a notice."""
    if not services.coordinators.includes(person):
        raise NotCoordinator()
    now = services.clock()

    async def work(db: AsyncSession) -> MeetingSession:
        meeting, session = await _locked_session(db, session_id)
        await _cancel(db, meeting, session, now, reason="session_cancelled")
        await refresh_invitations(db, session.meeting_id, now)
        await db.commit()
        return session

    session = await in_transaction(services.sessions, work)
    services.outbox.wake()
    return session


async def cancel_meeting(services: Services, person: Person, meeting_id: int) -> Meeting:
    """Calls the whole meeting off; every session as in `cancel_session`."""
    if not services.coordinators.includes(person):
        raise NotCoordinator()
    now = services.clock()

    async def work(db: AsyncSession) -> Meeting:
        result = await db.execute(update(Meeting).where(col(Meeting.id) == meeting_id,
                                                        col(Meeting.state) == MeetingState.OPEN)
                                  .values(state=str(MeetingState.CANCELLED)))
        meeting = await db.get(Meeting, meeting_id)
        if meeting is None:
            raise Gone("meeting_gone")
        if not changed_rows(result):
            raise Gone("meeting_cancelled")
        await db.refresh(meeting)
        for session in await meeting_sessions(db, meeting_id):
            if session.state == SessionState.PLANNED:
                await _cancel(db, meeting, session, now, reason="meeting_cancelled")
        await refresh_invitations(db, meeting_id, now)
        await db.commit()
        return meeting

    meeting = await in_transaction(services.sessions, work)
    services.outbox.wake()
    return meeting


async def _cancel(db: AsyncSession, meeting: Meeting, session: MeetingSession, now: datetime,
                  *, reason: str) -> None:
    assert session.id is not None
    session.state = SessionState.CANCELLED
    session.sequence += 1
    db.add(session)
    await db.flush()
    for registration in await registrations(db, session.meeting_id, session_id=session.id,
                                            statuses=(Status.CONFIRMED, Status.WAITLISTED)):
        was_confirmed = registration.status == Status.CONFIRMED
        registration.status = Status.WITHDRAWN
        registration.version += 1
        registration.updated_at = now
        db.add(registration)
        await db.flush()
        await tell(db, meeting, registration, now=now,
                   reason=reason if was_confirmed else f"{reason}_waitlist")


async def _locked_session(db: AsyncSession, session_id: int) -> tuple[Meeting, MeetingSession]:
    """The session row locked (as every sign-up does first), with its meeting."""
    result = await db.execute(update(MeetingSession).where(col(MeetingSession.id) == session_id)
                              .values(tickets=MeetingSession.tickets + 1))
    session = await db.get(MeetingSession, session_id)
    if not changed_rows(result) or session is None:
        raise Gone("session_gone")
    await db.refresh(session)
    meeting = await db.get(Meeting, session.meeting_id)
    assert meeting is not None
    if meeting.state == MeetingState.CANCELLED:
        raise Gone("meeting_cancelled")
    if session.state == SessionState.CANCELLED:
        raise Gone("session_cancelled")
    return meeting, session
