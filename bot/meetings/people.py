"""What people and coordinators ask of a meeting: the participant list and its CSV, the
profile asked after a first sign-up, where someone stands, the meetings still open."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.deps import Services
from bot.directory import ChannelDirectory
from bot.identity import ChannelRef, Person
from bot.meetings.models import Meeting, MeetingSession, MeetingState, Profile, Registration
from bot.meetings.notices import send_export
from bot.meetings.planning import Gone, NotCoordinator
from bot.meetings.roster import Roster, load_roster, profile_of, save_profile
from bot.meetings.store import open_meetings, registration_of
from bot.meetings.views import load_meeting_view, session_view


async def participant_list(services: Services, person: Person, meeting_id: int,
                           members: ChannelDirectory | None = None) -> Roster:
    """The deelnemerslijst; with `members`, also who in the invited channels has not
    answered (the bot itself and people who answered are left out)."""
    if not services.coordinators.includes(person):
        raise NotCoordinator()
    async with services.sessions() as db:
        roster = await load_roster(db, meeting_id)
    if roster is None:
        raise Gone("meeting_gone")
    if members is not None:
        seen: dict[str, None] = {}
        for channel in roster.channels:
            where = ChannelRef(person.platform, person.workspace_id, channel_id=channel)
            for user in await members.members(where):
                if user not in roster.answered:
                    seen[user] = None
        roster.not_answered = list(seen)
    return roster


async def export_participants(services: Services, person: Person, meeting_id: int) -> None:
    """Sends the CSV (name badges) to the coordinator's DM as a file, through the outbox."""
    if not services.coordinators.includes(person):
        raise NotCoordinator()
    async with services.sessions() as db:
        meeting = await db.get(Meeting, meeting_id)
        if meeting is None:
            raise Gone("meeting_gone")
        await send_export(db, meeting, ChannelRef.direct(person), services.clock())
        await db.commit()
    services.outbox.wake()


async def profile(services: Services, person: Person) -> Profile | None:
    async with services.sessions() as db:
        return await profile_of(db, person)


async def set_profile(services: Services, person: Person, *, organisation: str | None = None,
                      role: str | None = None, name: str | None = None) -> None:
    """Stores organisation, role and badge name (None keeps what is stored)."""
    async with services.sessions() as db:
        await save_profile(db, person, organisation=organisation, role=role, name=name,
                           now=services.clock())
        await db.commit()


@dataclass(frozen=True)
class Standing:
    """A meeting as one person sees it: the invitation's view data and their registration."""

    view: dict
    registration: Registration | None


async def standing(services: Services, person: Person, meeting_id: int) -> Standing | None:
    async with services.sessions() as db:
        view = await load_meeting_view(db, meeting_id, services.clock())
        if view is None:
            return None
        return Standing(view, await registration_of(db, meeting_id, person))


async def current_meetings(services: Services) -> list[Meeting]:
    """Meetings not cancelled, newest first."""
    async with services.sessions() as db:
        meetings = await open_meetings(db)
    return [m for m in reversed(meetings) if m.state == MeetingState.OPEN]


async def session_view_of(services: Services, session_id: int) -> tuple[dict, dict] | None:
    """A session's view data with its meeting's, for the change form."""
    async with services.sessions() as db:
        session = await db.get(MeetingSession, session_id)
        if session is None:
            return None
        view = await load_meeting_view(db, session.meeting_id, services.clock())
    if view is None:
        return None
    found = next(s for s in view["sessions"] if s["id"] == session_id)
    return view, found


async def session_summary(services: Services, session_id: int) -> dict | None:
    """One session's view data (date, times, place, seats), for an answer to a click."""
    async with services.sessions() as db:
        session = await db.get(MeetingSession, session_id)
        meeting = await db.get(Meeting, session.meeting_id) if session is not None else None
    if session is None or meeting is None:
        return None
    return session_view(session, ZoneInfo(meeting.timezone))
