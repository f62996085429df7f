"""What the meetings decide to send, as outbox rows in the caller's transaction. Rendering
happens at send time (bot.meetings.views), so a message shows the state of then."""

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.identity import ChannelRef
from bot.meetings.models import Meeting, Registration
from bot.meetings.store import person_of
from bot.outbox.models import Delivery, Kind
from bot.outbox.queue import deliveries, enqueue, request_update

INVITE = "meeting.invite"        # the invitation in a channel, with live seats left
CALENDAR = "meeting.calendar"    # a DM with an .ics: confirmed, promoted, changed, cancelled
NOTICE = "meeting.notice"        # a DM without a file: waitlisted, reminder
EXPORT = "meeting.export"        # the participant list as CSV, to a coordinator
# Seats left on posted invitations change with every click; one chat.update per this.
UPDATE_DELAY = timedelta(seconds=2)


def topic(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


async def post_invitations(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    assert meeting.id is not None
    for channel in meeting.channels:
        await enqueue(session, key=f"meeting:{meeting.id}:invite:{channel}",
                      target=ChannelRef(meeting.platform, meeting.workspace_id, channel),
                      template=INVITE, data={"meeting_id": meeting.id},
                      topic=topic(meeting.id), language=meeting.language, not_before=now)


async def invitation_posts(session: AsyncSession, meeting_id: int) -> list[Delivery]:
    return [posted for posted in await deliveries(session, topic=topic(meeting_id))
            if posted.template == INVITE]


async def refresh_invitations(session: AsyncSession, meeting_id: int, now: datetime, *,
                              posts: list[Delivery] | None = None) -> None:
    """Asks for every posted invitation to show the seats of now (debounced); `posts` when
    the caller read them already."""
    for posted in posts if posts is not None else await invitation_posts(session, meeting_id):
        await request_update(session, of=posted, delay=UPDATE_DELAY, now=now)


async def tell(session: AsyncSession, meeting: Meeting, registration: Registration, *,
               reason: str, now: datetime, session_id: int | None = None,
               key_suffix: str = "", **extra: object) -> None:
    """A DM to the person of `registration` about it; `reason` picks the text, and whether a
    calendar file goes with it."""
    assert meeting.id is not None and registration.id is not None
    calendar = reason in CALENDAR_REASONS
    key = (f"meeting:{meeting.id}:registration:{registration.id}:v{registration.version}:"
           f"{reason}{key_suffix}")
    data = {"meeting_id": meeting.id, "registration_id": registration.id, "reason": reason,
            "session_id": session_id if session_id is not None else registration.session_id,
            "position": registration.position, **extra}
    await enqueue(session, key=key, target=ChannelRef.direct(person_of(registration)),
                  template=CALENDAR if calendar else NOTICE, data=data,
                  topic=topic(meeting.id), language=meeting.language,
                  kind=Kind.UPLOAD if calendar else Kind.POST, not_before=now)


# Reasons sent with an .ics; CANCEL_REASONS carry METHOD:CANCEL.
CALENDAR_REASONS = {"confirmed", "promoted", "changed", "withdrawn", "moved_from",
                    "session_cancelled", "meeting_cancelled"}
CANCEL_REASONS = {"withdrawn", "moved_from", "session_cancelled", "meeting_cancelled"}


async def send_export(session: AsyncSession, meeting: Meeting, coordinator: ChannelRef,
                      now: datetime) -> None:
    assert meeting.id is not None
    await enqueue(session, key=f"meeting:{meeting.id}:export:{coordinator.user_id}:"
                               f"{now.timestamp():.6f}",
                  target=coordinator, template=EXPORT, data={"meeting_id": meeting.id},
                  topic=topic(meeting.id), language=meeting.language, kind=Kind.UPLOAD,
                  not_before=now)
