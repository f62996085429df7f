"""The question desk's tables: questions asked and the feedback on their answers."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
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
    # When the click reached the bot (ns since the epoch): of two clicks racing to be stored,
    # the one received last is the vote that stays.
    received_ns: int = Field(default=0, sa_column=Column(BigInteger, nullable=False,
                                                          server_default="0"))


class RequestState(StrEnum):
    PENDING = "pending"  # accepted (acked), not answered yet
    SENDING = "sending"  # a process took it at `claimed_at`: composing or posting its answer
    ANSWERED = "answered"
    FAILED = "failed"  # could not be delivered; logged


class QuestionRequest(SQLModel, table=True):
    """What someone typed to the bot, stored when it is acknowledged together with where the
    answer goes, so an answer survives a crash or deploy between the ack and the reply.
    `claim` (an event id, or a slash command's request signature) makes a retried or replayed
    delivery store nothing twice."""

    __tablename__ = "question_request"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "claim"),
                      Index("ix_question_request_state", "state"))

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    claim: str = Field(max_length=128)
    text: str  # cut short on arrival beyond MAX_STORED_CHARS; `length` is the full length
    length: int
    channel_id: str | None = Field(default=None, max_length=64)
    thread_ts: str | None = Field(default=None, max_length=32)
    is_direct: bool = False
    response_url: str | None = Field(default=None, max_length=512)
    state: str = Field(default=RequestState.PENDING.value, max_length=16)
    attempts: int = 0
    received_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    claimed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
