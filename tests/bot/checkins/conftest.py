"""Check-in fixtures: the real services with the outbox's Slack sender and the Slack channel
directory, both pointed at the fake Slack; a team channel with four people."""

from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import add_slack_sender
from bot.checkins.calendar import Cadence
from bot.checkins.schedules import ScheduleInput, create_schedule
from bot.identity import ChannelRef, Person
from handlers.slack.directory import SlackDirectory
from tests.conftest import BOT_TOKEN, TEAM

CHANNEL = "CTEAM"
MEMBERS = ("U1", "U2", "U3", "U4")
# Monday 4 January 2027, 09:00 in Amsterdam (winter time: UTC+1).
FIRST = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
async def checkins(services, slack_api):
    slack_api.add_channel(CHANNEL, name="team", members=MEMBERS)
    add_slack_sender(services)
    services.directories["slack"] = SlackDirectory(AsyncWebClient(token=BOT_TOKEN,
                                                                  base_url=slack_api.base_url))
    return services


async def make_schedule(services, *, anonymous: bool = False, min_group: int = 3,
                        first: datetime = FIRST, cadence: Cadence = Cadence.QUARTERLY) -> int:
    async with services.sessions() as session:
        schedule = await create_schedule(session, ScheduleInput(
            channel=ChannelRef("slack", TEAM, CHANNEL), first_opens_at=first, cadence=cadence,
            anonymous=anonymous, min_group=min_group), by=Person("slack", TEAM, "UCOORD"))
        await session.commit()
        assert schedule.id is not None
        return schedule.id


def person(user: str) -> Person:
    return Person("slack", TEAM, user)


def answers(score: int, **extra) -> dict:
    """A complete answer: every scale `score`, plus open answers given."""
    values = {key: score for key in ("goal", "A", "B", "C", "D", "E", "bijdrage", "kwaliteit",
                                     "afspraakdiscipline")}
    return {**values, **extra}
