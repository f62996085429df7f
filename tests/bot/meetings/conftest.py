"""Meeting fixtures: a coordinator, people, and a meeting made through the domain."""

from datetime import time, timedelta

import pytest

from bot.identity import Person
from bot.meetings.planning import MeetingDraft, SessionDraft, create_meeting
from tests.conftest import COORDINATOR, TEAM


def person(user: str) -> Person:
    return Person("slack", TEAM, user)


@pytest.fixture
def coordinator() -> Person:
    return person(COORDINATOR)


def draft(clock, *, capacities=(2,), days_ahead: int = 10, deadline_days: int | None = None,
          channels=("C1",)) -> MeetingDraft:
    day = (clock() + timedelta(days=days_ahead)).date()
    sessions = [SessionDraft(day + timedelta(days=i), time(9, 30), time(12, 0), f"Zaal {i}",
                             str(capacity)) for i, capacity in enumerate(capacities)]
    deadline = clock() + timedelta(days=deadline_days) if deadline_days is not None else None
    return MeetingDraft(title="Kennismaking", channels=list(channels), sessions=sessions,
                        agenda="1. Presentatie", practical="Koffie", rsvp_deadline=deadline)


@pytest.fixture
def make_meeting(services, clock, coordinator):
    async def make(**options):
        return await create_meeting(services, coordinator, draft(clock, **options))
    return make
