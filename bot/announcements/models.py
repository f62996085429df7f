"""The announcement and its read receipts."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow
from bot.models import timestamp_column


class Variant(StrEnum):
    INTERNAL = "internal"  # for colleagues: intranet, Yammer, Teams, managers
    EXTERNAL = "external"  # for the outside world: website news, LinkedIn, local press


class Status(StrEnum):
    DRAFT = "draft"            # written, previewed, not sent
    SCHEDULED = "scheduled"    # to be sent at send_at by the due job
    SENDING = "sending"        # posts enqueued; some may still be waiting
    SENT = "sent"              # every post delivered or failed for good
    CANCELLED = "cancelled"    # withdrawn before (all of) it went out
    RECALLED = "recalled"      # deleted everywhere it was posted


class Announcement(SQLModel, table=True):
    """One announcement; `channels` lists the channel ids it goes to, `version` counts edits."""

    __tablename__ = "announcement"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    created_by: str = Field(max_length=64)  # the coordinator's user id on `platform`
    title: str = Field(max_length=150)
    body: str = Field(sa_column=Column(Text, nullable=False))
    image_url: str = Field(default="", max_length=1000)
    variant: str = Field(default=Variant.INTERNAL, max_length=16)
    channels: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    send_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    state: str = Field(default=Status.DRAFT, max_length=16, index=True)
    language: str = Field(default="nl", max_length=8)
    version: int = 1
    # Where the platform showed each post ({channel id: link}), filled in by the platform.
    permalinks: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The delivery states the report last showed, so progress updates it only on a change.
    progress: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    sent_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))

    @property
    def topic(self) -> str:
        """The outbox topic of its posts (the report has a topic of its own)."""
        return f"announcement:{self.id}"

    @property
    def report_topic(self) -> str:
        return f"announcement:{self.id}:report"


class AnnouncementRead(SQLModel, table=True):
    """Someone pressed "Gelezen" under a post: one row per person per announcement."""

    __tablename__ = "announcement_read"
    __table_args__ = (UniqueConstraint("announcement_id", "platform", "workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    channel_id: str = Field(default="", max_length=64)  # the post it was read under
    read_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
