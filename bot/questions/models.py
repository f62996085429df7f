"""The question desk's tables: questions asked and the feedback on their answers."""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow
from bot.models import timestamp_column


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
    asked_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


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
    given_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
