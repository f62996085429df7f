"""The announcement desk: drafts, sending now or at a time, cancel, edit, recall, read
receipts and the delivery report. Every decision to post is an outbox delivery written in the
same transaction as the state change it follows from."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.announcements.drafts import Draft, problems
from bot.announcements.models import Announcement, AnnouncementRead, Status
from bot.clock import Clock
from bot.database import insert_for
from bot.identity import ChannelRef, Person
from bot.outbox.models import Delivery, Kind, State
from bot.outbox.queue import cancel_pending, deliveries, enqueue, request_delete, request_update
from bot.scheduling import claim_step

logger = logging.getLogger(__name__)

POST_TEMPLATE = "announcement.post"
REPORT_TEMPLATE = "announcement.report"
DUE_JOB = "announcements"
# Live counts and the report are re-rendered at most this often (one chat.update per delay).
UPDATE_DELAY = timedelta(seconds=2)
# While a send is under way the due job looks again this soon, so the report follows it.
PROGRESS_INTERVAL = timedelta(seconds=3)

class Unavailable(Exception):
    """The announcement cannot do what was asked; `reason` is a text key ("unknown_announcement",
    "is_recalled", "is_cancelled", "not_draft", "not_cancellable", "not_editable")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

class Invalid(Exception):
    """Field errors of a draft, by field name (see bot.announcements.drafts)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors

class Wakeable(Protocol):
    def wake(self) -> None: ...

class WakesAt(Protocol):
    def wake_at(self, when: datetime, name: str) -> None: ...

@dataclass(frozen=True)
class ReadResult:
    announcement: Announcement
    is_new: bool
    count: int

def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)

def post_key(announcement_id: int, channel: str) -> str:
    return f"announcement:{announcement_id}:post:{channel}"

def report_key(announcement_id: int) -> str:
    return f"announcement:{announcement_id}:report"

class AnnouncementDesk:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock,
                 outbox: Wakeable, scheduler: WakesAt, zone: str = "Europe/Amsterdam",
                 language: str = "nl"):
        self.sessions = sessions
        self.clock = clock
        self.outbox = outbox
        self.scheduler = scheduler
        self.zone = zone
        self.language = language

    @classmethod
    def of(cls, services: Any) -> "AnnouncementDesk":
        """The desk on a Services (bot.deps), built per call: it holds no state of its own."""
        return cls(services.sessions, clock=services.clock, outbox=services.outbox,
                   scheduler=services.scheduler, zone=services.covenant.timezone,
                   language=services.language)

    # drafts -------------------------------------------------------------------------------

    def problems(self, draft: Draft, *, with_delivery: bool = True) -> dict[str, str]:
        return problems(draft, now=self.clock(), language=self.language,
                        with_delivery=with_delivery)

    async def save_draft(self, author: Person, draft: Draft, *,
                         announcement_id: int | None = None) -> Announcement:
        """A new draft, or the draft `announcement_id` rewritten; raises Invalid."""
        errors = self.problems(draft)
        if errors:
            raise Invalid(errors)
        draft = draft.cleaned()
        now = self.clock()
        async with self.sessions() as session:
            if announcement_id is None:
                announcement = Announcement(platform=author.platform,
                                            workspace_id=author.workspace_id,
                                            created_by=author.user_id, language=self.language,
                                            title="", body="", created_at=now)
            else:
                announcement = await self._get(session, author, announcement_id)
                if announcement.state != Status.DRAFT:
                    raise Unavailable(_state_reason(announcement, "not_draft"))
            announcement.title, announcement.body = draft.title, draft.body
            announcement.image_url, announcement.variant = draft.image_url, str(draft.variant)
            announcement.channels, announcement.send_at = list(draft.channels), draft.send_at
            announcement.updated_at = now
            session.add(announcement)
            await session.commit()
            await session.refresh(announcement)
            return announcement

    async def get(self, where: Person, announcement_id: int) -> Announcement:
        async with self.sessions() as session:
            return await self._get(session, where, announcement_id)

    async def recent(self, where: Person, *, limit: int = 10) -> list[Announcement]:
        async with self.sessions() as session:
            rows = await session.exec(
                select(Announcement).where(col(Announcement.platform) == where.platform,
                                           col(Announcement.workspace_id) == where.workspace_id)
                .order_by(col(Announcement.id).desc()).limit(limit))
            return list(rows)

    async def discard(self, where: Person, announcement_id: int) -> Announcement:
        """Throws a draft away (the "Annuleren" under a preview)."""
        async with self.sessions() as session:
            announcement = await self._get(session, where, announcement_id)
            if not await self._move(session, announcement, (Status.DRAFT,), Status.CANCELLED):
                raise Unavailable(_state_reason(announcement, "not_draft"))
            await session.commit()
            return announcement

    # sending ------------------------------------------------------------------------------

    async def send(self, where: Person, announcement_id: int) -> Announcement:
        """Sends a draft now, or schedules it for its send_at; a second click does nothing."""
        now = self.clock()
        async with self.sessions() as session:
            announcement = await self._get(session, where, announcement_id)
            send_at = aware(announcement.send_at)
            if send_at is not None and send_at > now:
                if not await self._move(session, announcement, (Status.DRAFT,),
                                        Status.SCHEDULED):
                    raise Unavailable(_state_reason(announcement, "not_draft"))
                await session.commit()
                self.scheduler.wake_at(send_at, DUE_JOB)
                return announcement
            if not await self._move(session, announcement, (Status.DRAFT,), Status.SENDING):
                raise Unavailable(_state_reason(announcement, "not_draft"))
            await self._enqueue_posts(session, announcement, now)
            await session.commit()
        self.outbox.wake()
        return announcement

    async def run_due(self, now: datetime) -> None:
        """The due job: sends scheduled announcements whose time has come (once, by claim),
        keeps the reports of sends under way up to date, and asks to be woken at the next
        scheduled time (a restart forgets those wake-ups; this brings them back)."""
        async with self.sessions() as session:
            scheduled = list(await session.exec(
                select(Announcement).where(col(Announcement.state) == Status.SCHEDULED)))
        sent_any = False
        for announcement in scheduled:
            send_at = aware(announcement.send_at) or now
            if send_at > now:
                self.scheduler.wake_at(send_at, DUE_JOB)
                continue
            async with self.sessions() as session:
                if not await claim_step(session, f"announcement:{announcement.id}:send"):
                    continue
                fresh = await session.get(Announcement, announcement.id)
                if fresh is None or not await self._move(session, fresh, (Status.SCHEDULED,),
                                                         Status.SENDING):
                    await session.rollback()
                    continue
                await self._enqueue_posts(session, fresh, now)
                await session.commit()
                sent_any = True
        if sent_any:
            self.outbox.wake()
        async with self.sessions() as session:
            sending = list(await session.exec(
                select(col(Announcement.id)).where(col(Announcement.state) == Status.SENDING)))
        still_sending = False
        for announcement_id in sending:
            if announcement_id is not None:
                still_sending |= await self.follow(announcement_id, now=now)
        if still_sending:
            self.scheduler.wake_at(now + PROGRESS_INTERVAL, DUE_JOB)

    async def follow(self, announcement_id: int, *, now: datetime | None = None) -> bool:
        """Brings the report up to date when a post's state changed; marks the announcement
        sent when nothing is waiting any more. Returns whether posts are still waiting."""
        now = now or self.clock()
        async with self.sessions() as session:
            announcement = await session.get(Announcement, announcement_id)
            if announcement is None:
                return False
            posts = await deliveries(session, topic=announcement.topic)
            progress = ";".join(f"{d.channel_id}={d.state}:{d.error or ''}" for d in posts)
            waiting = any(d.state in (State.PENDING, State.SENDING) for d in posts)
            changed = progress != announcement.progress
            if changed:
                announcement.progress = progress
                await self._update_report(session, announcement, now)
            if not waiting and announcement.state == Status.SENDING:
                announcement.state = Status.SENT
                announcement.sent_at = now
                changed = True
            if changed:
                announcement.updated_at = now
                session.add(announcement)
                await session.commit()
        if changed:
            self.outbox.wake()
        return waiting

    async def record_permalinks(self, announcement_id: int, links: dict[str, str]) -> None:
        """Links to the posts, as the platform gives them (Slack: chat.getPermalink)."""
        if not links:
            return
        async with self.sessions() as session:
            announcement = await session.get(Announcement, announcement_id)
            if announcement is None:
                return
            announcement.permalinks = {**announcement.permalinks, **links}
            session.add(announcement)
            await self._update_report(session, announcement, self.clock())
            await session.commit()
        self.outbox.wake()

    async def cancel(self, where: Person, announcement_id: int) -> Announcement:
        """Stops a scheduled send, or what a running send has not posted yet."""
        async with self.sessions() as session:
            announcement = await self._get(session, where, announcement_id)
            before = announcement.state
            if not await self._move(session, announcement,
                                    (Status.DRAFT, Status.SCHEDULED, Status.SENDING),
                                    Status.CANCELLED):
                raise Unavailable(_state_reason(announcement, "not_cancellable"))
            if before == Status.SENDING:
                await cancel_pending(session, topic=announcement.topic)
                await self._update_report(session, announcement, self.clock())
            await session.commit()
        self.outbox.wake()
        return announcement

    async def edit(self, where: Person, announcement_id: int, draft: Draft) -> Announcement:
        """New title, text, photo or variant; posts that went out are updated everywhere.
        Raises Invalid or Unavailable."""
        errors = self.problems(draft, with_delivery=False)
        if errors:
            raise Invalid(errors)
        draft = draft.cleaned()
        now = self.clock()
        async with self.sessions() as session:
            announcement = await self._get(session, where, announcement_id)
            if announcement.state in (Status.RECALLED,):
                raise Unavailable("is_recalled")
            posts = await deliveries(session, topic=announcement.topic)
            posted = [d for d in posts if d.state in (State.SENT, State.SENDING)]
            if announcement.state == Status.CANCELLED and not posted:
                raise Unavailable("is_cancelled")
            announcement.title, announcement.body = draft.title, draft.body
            announcement.image_url, announcement.variant = draft.image_url, str(draft.variant)
            announcement.version += 1
            announcement.updated_at = now
            session.add(announcement)
            for post in posted:
                await request_update(session, of=post, now=now)
            await self._update_report(session, announcement, now)
            await session.commit()
        self.outbox.wake()
        return announcement

    async def recall(self, where: Person, announcement_id: int) -> Announcement:
        """Deletes every post; what was still waiting is not sent."""
        async with self.sessions() as session:
            announcement = await self._get(session, where, announcement_id)
            if not await self._move(session, announcement,
                                    (Status.SENDING, Status.SENT, Status.CANCELLED),
                                    Status.RECALLED):
                raise Unavailable(_state_reason(announcement, "not_draft"))
            for post in await deliveries(session, topic=announcement.topic):
                if post.state in (State.PENDING, State.SENDING, State.SENT):
                    await request_delete(session, of=post)
            await self._update_report(session, announcement, self.clock())
            await session.commit()
        self.outbox.wake()
        return announcement

    async def report(self, where: Person, announcement_id: int) -> dict:
        """The delivery report's view data (as the outbox renders it for the report DM)."""
        from bot.announcements.views import report_view

        async with self.sessions() as session:
            announcement = await self._get(session, where, announcement_id)
            return await report_view(session, announcement, self.zone)

    async def lacking_links(self, *, recent: int = 20) -> list[int]:
        """Recent announcements with delivered posts the report has no link to yet."""
        async with self.sessions() as session:
            ids = list(await session.exec(
                select(col(Announcement.id))
                .where(col(Announcement.state).in_([Status.SENDING, Status.SENT]))
                .order_by(col(Announcement.id).desc()).limit(recent)))
        return [i for i in ids if i is not None and await self.posts_without_link(i)]

    async def posts_without_link(self, announcement_id: int) -> list[Delivery]:
        """Delivered posts the report has no link to yet."""
        async with self.sessions() as session:
            announcement = await session.get(Announcement, announcement_id)
            if announcement is None:
                return []
            return [post for post in await deliveries(session, topic=announcement.topic)
                    if post.state == State.SENT and post.message_id
                    and post.channel_id not in announcement.permalinks]

    # reading ------------------------------------------------------------------------------

    async def record_read(self, reader: Person, announcement_id: int, *,
                          channel_id: str = "") -> ReadResult:
        """Stores one read per person and nothing more: small enough to do before the
        platform's ack, so that a read the platform was told we took is never lost. The
        posts' counts (and the report) follow with `show_reads`, after the ack."""
        async with self.sessions() as session:
            announcement = await session.get(Announcement, announcement_id)
            if announcement is None or announcement.platform != reader.platform:
                raise Unavailable("unknown_announcement")
            if announcement.state == Status.RECALLED:
                raise Unavailable("is_recalled")
            statement = (insert_for(session)(AnnouncementRead).values(
                announcement_id=announcement_id, platform=reader.platform,
                workspace_id=reader.workspace_id, user_id=reader.user_id,
                channel_id=channel_id, read_at=self.clock())
                .on_conflict_do_nothing(
                    index_elements=["announcement_id", "platform", "workspace_id", "user_id"])
                .returning(col(AnnouncementRead.id)))
            is_new = (await session.execute(statement)).scalar_one_or_none() is not None
            count = await read_count(session, announcement_id)
            await session.commit()
        return ReadResult(announcement, is_new, count)

    async def show_reads(self, announcement_id: int) -> None:
        """Brings the count on each post and in the report up to date (the posts are
        rendered at send time, so one update shows every read stored until then)."""
        now = self.clock()
        async with self.sessions() as session:
            announcement = await session.get(Announcement, announcement_id)
            if announcement is None:
                return
            for post in await deliveries(session, topic=announcement.topic):
                if post.state in (State.SENT, State.SENDING):
                    await request_update(session, of=post, delay=UPDATE_DELAY, now=now)
            await self._update_report(session, announcement, now)
            await session.commit()
        self.outbox.wake()

    # helpers ------------------------------------------------------------------------------

    async def _get(self, session: AsyncSession, where: Person, announcement_id: int
                   ) -> Announcement:
        announcement = await session.get(Announcement, announcement_id)
        if (announcement is None or announcement.platform != where.platform
                or announcement.workspace_id != where.workspace_id):
            raise Unavailable("unknown_announcement")
        return announcement

    async def _move(self, session: AsyncSession, announcement: Announcement,
                    allowed: tuple[Status, ...], to: Status) -> bool:
        """A conditional state change: of two clicks at once, only one moves it."""
        result = await session.execute(
            update(Announcement).where(col(Announcement.id) == announcement.id,
                                       col(Announcement.state).in_([str(s) for s in allowed]))
            .values(state=str(to), updated_at=self.clock()))
        if getattr(result, "rowcount", 0) != 1:
            return False
        await session.refresh(announcement)
        return True

    async def _enqueue_posts(self, session: AsyncSession, announcement: Announcement,
                             now: datetime) -> None:
        assert announcement.id is not None
        data = {"announcement": announcement.id, "zone": self.zone}
        for channel in announcement.channels:
            await enqueue(session, key=post_key(announcement.id, channel),
                          target=ChannelRef(announcement.platform, announcement.workspace_id,
                                            channel_id=channel),
                          template=POST_TEMPLATE, data=data, topic=announcement.topic,
                          language=announcement.language, kind=Kind.POST, not_before=now)
        # The report goes out after the posts were queued: it shows them waiting, then
        # follows them (request_update) as they are delivered.
        await enqueue(session, key=report_key(announcement.id),
                      target=ChannelRef(announcement.platform, announcement.workspace_id,
                                        user_id=announcement.created_by),
                      template=REPORT_TEMPLATE, data=data, topic=announcement.report_topic,
                      language=announcement.language, kind=Kind.POST, not_before=now)

    async def _update_report(self, session: AsyncSession, announcement: Announcement,
                             now: datetime) -> None:
        assert announcement.id is not None
        report = (await session.exec(select(Delivery).where(
            col(Delivery.key) == report_key(announcement.id)))).first()
        if report is not None and report.state != State.CANCELLED:
            await request_update(session, of=report, delay=UPDATE_DELAY, now=now)

async def read_count(session: AsyncSession, announcement_id: int) -> int:
    result = await session.execute(
        select(func.count()).select_from(AnnouncementRead)
        .where(col(AnnouncementRead.announcement_id) == announcement_id))
    return int(result.scalar_one())

async def reads_per_channel(session: AsyncSession, announcement_id: int) -> dict[str, int]:
    result = await session.execute(
        select(col(AnnouncementRead.channel_id), func.count())
        .where(col(AnnouncementRead.announcement_id) == announcement_id)
        .group_by(col(AnnouncementRead.channel_id)))
    return {channel: int(count) for channel, count in result.all()}

def _state_reason(announcement: Announcement, otherwise: str) -> str:
    return {Status.RECALLED: "is_recalled",
            Status.CANCELLED: "is_cancelled"}.get(Status(announcement.state), otherwise)
