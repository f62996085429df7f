"""Database tables. Every reference to a user, channel or message names its platform and
workspace (Slack team id, Teams tenant id), so one database serves several of each."""

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ProcessedEvent(SQLModel, table=True):
    """Claims a platform event id, so a retried or duplicated delivery is handled once."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    event_id: str = Field(max_length=128)
    received_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Question(SQLModel, table=True):
    """A question someone asked, with the answer given; unanswered when not confident."""

    __tablename__ = "question"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16, index=True)
    workspace_id: str = Field(max_length=64, index=True)
    user_id: str = Field(max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    text: str
    language: str = Field(max_length=8)
    answer: str
    confident: bool = Field(index=True)
    sources: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    asked_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Feedback(SQLModel, table=True):
    """One person's 👍/👎 on one answer; voting again replaces the earlier vote."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("question_id", "platform", "workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    helpful: bool
    given_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
