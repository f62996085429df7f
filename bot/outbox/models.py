"""The delivery table: one row per message the bot posts, updates, deletes or uploads."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow
from bot.models import timestamp_column


class Kind(StrEnum):
    POST = "post"        # a new message (Slack chat.postMessage)
    UPDATE = "update"    # re-render a posted message (chat.update); coalesced per key
    DELETE = "delete"    # remove a posted message (chat.delete)
    UPLOAD = "upload"    # a file (files_upload_v2): an .ics, a CSV, a chart


class State(StrEnum):
    PENDING = "pending"      # waiting for its turn (and for not_before)
    SENDING = "sending"      # claimed by a dispatcher; the platform call may be under way
    SENT = "sent"            # done; message_id holds the platform's id (Slack ts)
    FAILED = "failed"        # permanently refused; error holds the platform's reason
    CANCELLED = "cancelled"  # withdrawn before it was sent


class Delivery(SQLModel, table=True):
    """One thing to send. `key` names the decision (say "announcement:12:post:C0123"), so
    deciding twice stores one row; `template` and `data` say what to render at send time."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255)
    topic: str = Field(default="", max_length=128, index=True)  # "announcement:12": reports
    kind: str = Field(default=Kind.POST, max_length=16)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(default="", max_length=64)
    user_id: str = Field(default="", max_length=64)  # a DM to this user when no channel
    template: str = Field(max_length=64)  # which builder renders it, per platform
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="nl", max_length=8)
    # For update/delete: the delivery whose posted message is changed.
    target_id: int | None = Field(default=None, foreign_key="delivery.id", index=True)
    state: str = Field(default=State.PENDING, max_length=16, index=True)
    attempts: int = 0
    # Not sent before this time; 1970 (queue.AT_ONCE) when due at once.
    not_before: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    claimed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    message_id: str | None = Field(default=None, max_length=64)  # Slack ts
    conversation_id: str | None = Field(default=None, max_length=64)  # where it landed (D… for DMs)
    error: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
