"""Meetings, their sessions, registrations (one per person per meeting) and profiles.

Seats are counted on the session row (`taken`), so claiming one is a conditional UPDATE the
database serialises; the UNIQUE registration row makes a person hold at most one place."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow
from bot.models import timestamp_column


class MeetingState(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class SessionState(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Status(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"    # "Ik kan niet"
    WITHDRAWN = "withdrawn"  # signed up, then "Afmelden"


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    description: str = ""
    agenda: str = ""
    practical: str = ""
    mandatory: bool = False
    rsvp_deadline: datetime | None = Field(default=None,
                                           sa_column=timestamp_column(nullable=True))
    channels: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str = Field(default=MeetingState.OPEN, max_length=16)
    language: str = Field(default="nl", max_length=8)
    timezone: str = Field(default="Europe/Amsterdam", max_length=64)  # of the wall-clock times
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class MeetingSession(SQLModel, table=True):
    """One occasion of a meeting; `taken` counts confirmed seats, `tickets` every claim
    (the order of the waitlist), `sequence` the calendar revision (.ics SEQUENCE), raised
    when the session moves (time or place) at `changed_at`."""

    __tablename__ = "meeting_session"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    starts_at: datetime = Field(sa_column=timestamp_column())
    ends_at: datetime = Field(sa_column=timestamp_column())
    location: str = Field(default="", max_length=300)
    capacity: int
    taken: int = 0
    tickets: int = 0
    last_claim_seated: bool = False  # set by each claim's UPDATE: did that claim get a seat
    state: str = Field(default=SessionState.PLANNED, max_length=16)
    sequence: int = 0
    changed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class Registration(SQLModel, table=True):
    """A person's answer to a meeting. `position` orders the waitlist (first come, first
    served); `version` names each change, so every message about it has a key of its own."""

    __tablename__ = "meeting_registration"
    __table_args__ = (UniqueConstraint("meeting_id", "platform", "workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="meeting_session.id", index=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    position: int = 0
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class Profile(SQLModel, table=True):
    """Who someone is for the participant list and name badges; asked once, changeable."""

    __tablename__ = "meeting_profile"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    organisation: str = Field(default="", max_length=200)
    role: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class SignUpRequest(SQLModel, table=True):
    """A click on "Aanmelden", stored before its ack and deleted once decided: what a crash
    leaves here is decided at the next start. `claim` names the click (Slack sends a retry
    with the same trigger id); `claimed_at` is when a process took it to decide."""

    __tablename__ = "meeting_signup_request"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "claim"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    session_id: int
    claim: str = Field(max_length=128)
    name: str = Field(default="", max_length=200)  # the display name the platform sent
    response_url: str = Field(default="", max_length=512)
    received_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    claimed_at: datetime | None = Field(default=None,
                                        sa_column=timestamp_column(nullable=True))
