"""The check-in tables: schedules per team channel, their rounds, one response per person per
round, and the actions a team agrees on after a round. Timestamps are UTC."""

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow
from bot.identity import ChannelRef
from bot.models import timestamp_column


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class CheckinSchedule(SQLModel, table=True):
    __tablename__ = "checkin_schedule"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    channel_id: str = Field(max_length=64, index=True)
    cadence: str = Field(default="quarterly", max_length=16)
    first_opens_at: datetime = Field(sa_column=timestamp_column())
    open_days: int = 10  # working days
    remind_days_before_close: int = 3  # working days
    anonymous: bool = False
    min_group: int = 3
    paused: bool = False
    deleted: bool = False
    language: str = Field(default="nl", max_length=8)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.platform, self.workspace_id, self.channel_id)


class RoundState:
    OPEN = "open"
    CLOSED = "closed"


class CheckinRound(SQLModel, table=True):
    __tablename__ = "checkin_round"
    __table_args__ = (UniqueConstraint("schedule_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="checkin_schedule.id", index=True)
    period: str = Field(max_length=16)  # "2026-Q1"
    opens_at: datetime = Field(sa_column=timestamp_column())
    remind_at: datetime = Field(sa_column=timestamp_column())
    closes_at: datetime = Field(sa_column=timestamp_column(index=True))
    state: str = Field(default=RoundState.OPEN, max_length=16, index=True)
    reminded: bool = False
    closed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # Snapshot at opening, so results keep the rules the round ran under.
    anonymous: bool = False
    min_group: int = 3


class CheckinResponse(SQLModel, table=True):
    __tablename__ = "checkin_response"
    __table_args__ = (UniqueConstraint("round_id", "platform", "workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="checkin_round.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class CheckinAction(SQLModel, table=True):
    __tablename__ = "checkin_action"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="checkin_round.id", index=True)
    what: str = Field(max_length=300)
    owner: str = Field(default="", max_length=120)  # a user id or a name as typed
    due_on: date | None = None
    done: bool = False
    done_by: str = Field(default="", max_length=64)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
