"""The participant list (deelnemerslijst): per session who is confirmed, the waitlist apart,
who cannot come, and which invited channel members have not answered; and the CSV for name
badges. Also the profile (organisation and role) each participant gives once."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.database import insert_for
from bot.identity import Person
from bot.meetings.models import Meeting, Profile, Registration, Status
from bot.meetings.store import aware, meeting_sessions, registrations
from bot.meetings.texts import text
from bot.texts import format_date, format_time


@dataclass(frozen=True)
class Participant:
    user_id: str
    name: str
    organisation: str
    role: str
    status: str
    position: int = 0


@dataclass
class SessionRoster:
    session_id: int
    starts_at: datetime  # local
    ends_at: datetime
    location: str
    capacity: int
    state: str
    confirmed: list[Participant] = field(default_factory=list)
    waitlist: list[Participant] = field(default_factory=list)


@dataclass
class Roster:
    meeting_id: int
    title: str
    language: str
    channels: list[str]
    sessions: list[SessionRoster]
    declined: list[Participant]
    answered: set[str]
    not_answered: list[str] = field(default_factory=list)


async def profiles_of(db: AsyncSession, people: list[tuple[str, str, str]]
                      ) -> dict[tuple[str, str, str], Profile]:
    if not people:
        return {}
    users = {user for _, _, user in people}
    rows = await db.exec(select(Profile).where(col(Profile.user_id).in_(users)))
    return {(p.platform, p.workspace_id, p.user_id): p for p in rows}


async def load_roster(db: AsyncSession, meeting_id: int) -> Roster | None:
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None:
        return None
    zone = ZoneInfo(meeting.timezone)
    every = await registrations(db, meeting_id)
    profiles = await profiles_of(db, [(r.platform, r.workspace_id, r.user_id) for r in every])

    def participant(registration: Registration) -> Participant:
        profile = profiles.get((registration.platform, registration.workspace_id,
                                registration.user_id))
        return Participant(registration.user_id, profile.name if profile else "",
                           profile.organisation if profile else "",
                           profile.role if profile else "", registration.status,
                           registration.position)

    sessions = []
    for session in await meeting_sessions(db, meeting_id):
        roster = SessionRoster(session.id or 0, aware(session.starts_at).astimezone(zone),
                               aware(session.ends_at).astimezone(zone), session.location,
                               session.capacity, session.state)
        roster.confirmed = [participant(r) for r in every
                            if r.session_id == session.id and r.status == Status.CONFIRMED]
        roster.waitlist = [participant(r) for r in every
                           if r.session_id == session.id and r.status == Status.WAITLISTED]
        sessions.append(roster)
    declined = [participant(r) for r in every if r.status == Status.DECLINED]
    return Roster(meeting_id, meeting.title, meeting.language, list(meeting.channels), sessions,
                  declined, {r.user_id for r in every})


def session_label(session: SessionRoster, language: str) -> str:
    place = f", {session.location}" if session.location else ""
    return (f"{format_date(session.starts_at, language)} {format_time(session.starts_at)}-"
            f"{format_time(session.ends_at)}{place}")


def export_csv(roster: Roster) -> str:
    """Name badges: name, organisation, role, session; the confirmed people per session."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(text("csv_header", roster.language).split("|"))
    for session in roster.sessions:
        label = session_label(session, roster.language)
        for person in session.confirmed:
            writer.writerow([person.name or person.user_id, person.organisation, person.role,
                             label])
    return out.getvalue()


async def profile_of(db: AsyncSession, person: Person) -> Profile | None:
    rows = await db.exec(select(Profile).where(
        col(Profile.platform) == person.platform,
        col(Profile.workspace_id) == person.workspace_id,
        col(Profile.user_id) == person.user_id))
    return rows.first()


async def save_profile(db: AsyncSession, person: Person, *, organisation: str | None,
                       role: str | None, name: str | None, now: datetime) -> None:
    """One profile per person (an upsert on its UNIQUE key); None keeps what is stored. The
    caller commits."""
    insert = insert_for(db)(Profile)
    given = {"organisation": organisation, "role": role, "name": name}
    changes = {key: value for key, value in given.items() if value is not None}
    statement = insert.values(platform=person.platform, workspace_id=person.workspace_id,
                              user_id=person.user_id, updated_at=now,
                              **{key: value or "" for key, value in given.items()}
                              ).on_conflict_do_update(
        index_elements=["platform", "workspace_id", "user_id"],
        set_={**changes, "updated_at": now})
    await db.execute(statement)
