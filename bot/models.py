"""Column helpers and the tables every capability shares. Every reference to a user, channel or
message names its platform and workspace (Slack team id, Teams tenant id), so one database
serves several of each. Timestamps are UTC in the database."""

from datetime import datetime

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow


def timestamp_column(*, nullable: bool = False, index: bool = False) -> Column:
    """A timezone-aware timestamp column (UTC), filled with now when not nullable."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index,
                  default=None if nullable else utcnow)


class ProcessedEvent(SQLModel, table=True):
    """Claims a platform event id, so a retried or duplicated delivery is handled once."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    event_id: str = Field(max_length=128)
    received_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
