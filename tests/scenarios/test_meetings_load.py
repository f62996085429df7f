"""The click claims the seat, under load: 200 people at once on a 40-seat session, through
signed HTTP requests into the running app, on SQLite and PostgreSQL (bench/meetings_bench.py
runs 500 on 100 seats, with the timings)."""

import asyncio
import contextlib
import itertools
import time
from typing import cast

import httpx
import pytest
from sqlmodel import func, select

from bot.meetings.models import MeetingSession, Registration
from handlers.slack import meetings_ids as ids
from tests.bot.meetings.conftest import draft
from tests.conftest import COORDINATOR, SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver
from tests.scenarios.meetings_driver import MeetingDriver

PEOPLE = 200
SEATS = 40


class _Crowd:
    """Many small HTTP clients, taking turns: httpcore's pool looks at each of its connections
    for every request, so one pool of hundreds cost the test more CPU than the bot's acks."""

    def __init__(self, clients: list[httpx.AsyncClient]):
        self._turns = itertools.cycle(clients)

    async def post(self, *args, **kwargs) -> httpx.Response:
        return await next(self._turns).post(*args, **kwargs)


@pytest.fixture
async def crowd(bot_url, slack_api):
    each = 10
    limits = httpx.Limits(max_connections=each, max_keepalive_connections=each)
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(timeout=60, limits=limits))
                   for _ in range(PEOPLE // each)]
        http = cast(httpx.AsyncClient, _Crowd(clients))
        yield MeetingDriver(SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET,
                                        team_id=TEAM))


async def _all_answered(services, expected: int) -> list[Registration]:
    deadline = time.monotonic() + 60.0
    while True:
        async with services.sessions() as db:
            count = (await db.exec(select(func.count()).select_from(Registration))).one()
            if count >= expected or time.monotonic() > deadline:
                return list(await db.exec(select(Registration)))
        await asyncio.sleep(0.05)


async def _wait_for_background(services, slack_api, answers: int):
    await slack_api.wait_until(lambda: len(slack_api.calls_to("response_url")) >= answers,
                               timeout=60.0)


async def test_200_people_at_once_fill_40_seats_and_wait_in_click_order(
        crowd, services, clock, slack_api):
    from bot.identity import Person
    from bot.meetings.planning import create_meeting

    meeting = await create_meeting(services, Person("slack", TEAM, COORDINATOR),
                                   draft(clock, capacities=(SEATS,)))
    async with services.sessions() as db:
        session = (await db.exec(select(MeetingSession))).one()
    clicks = [crowd.click(ids.SIGN_UP, str(session.id), user=f"U{n:04d}")
              for n in range(PEOPLE)]
    keys = await asyncio.gather(*clicks)
    assert len(set(keys)) == PEOPLE
    await _wait_for_background(services, slack_api, PEOPLE)
    registrations = await _all_answered(services, PEOPLE)
    confirmed = [r for r in registrations if r.status == "confirmed"]
    waitlisted = [r for r in registrations if r.status == "waitlisted"]
    assert (len(confirmed), len(waitlisted)) == (SEATS, PEOPLE - SEATS)
    assert max(r.position for r in confirmed) < min(r.position for r in waitlisted)
    assert len({r.position for r in registrations}) == PEOPLE
    async with services.sessions() as db:
        stored = await db.get(MeetingSession, session.id)
    assert stored.taken == SEATS
    answers = [c["text"] for c in slack_api.calls_to("response_url")]
    assert sum(a.startswith("Je bent aangemeld") for a in answers) == SEATS
    assert sum(a.startswith("Deze sessie is vol") for a in answers) == PEOPLE - SEATS
    assert meeting.id is not None


async def test_one_person_clicking_ten_times_at_once_holds_one_place(
        crowd, services, clock, slack_api):
    from bot.identity import Person
    from bot.meetings.planning import create_meeting

    await create_meeting(services, Person("slack", TEAM, COORDINATOR),
                         draft(clock, capacities=(5, 5)))
    async with services.sessions() as db:
        first, second = list(await db.exec(select(MeetingSession).order_by(MeetingSession.id)))
    # Ten clicks, on both sessions, all at once.
    await asyncio.gather(*(crowd.click(ids.SIGN_UP, str((first, second)[n % 2].id), user="U1")
                           for n in range(10)))
    await _wait_for_background(services, slack_api, 10)
    registrations = await _all_answered(services, 1)
    assert len(registrations) == 1 and registrations[0].status == "confirmed"
    async with services.sessions() as db:
        taken = [s.taken for s in await db.exec(select(MeetingSession).order_by(
            MeetingSession.id))]
    assert sum(taken) == 1
