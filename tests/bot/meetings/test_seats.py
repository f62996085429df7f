"""Seats, waitlist and promotion on both databases, straight on the domain."""

import asyncio

from sqlmodel import select

from bot.meetings.models import MeetingSession, Registration
from bot.meetings.seats import sign_up, withdraw
from bot.meetings.store import meeting_sessions
from bot.outbox.models import Delivery
from tests.bot.meetings.conftest import person


async def _sessions(services, meeting_id):
    async with services.sessions() as db:
        return await meeting_sessions(db, meeting_id)


async def _registrations(services):
    async with services.sessions() as db:
        return list(await db.exec(select(Registration).order_by(Registration.position)))


async def test_rsvp_beyond_capacity_goes_to_waitlist_and_withdraw_promotes(
        services, make_meeting):
    meeting = await make_meeting(capacities=(2,))
    (session,) = await _sessions(services, meeting.id)
    codes = [(await sign_up(services, person(f"U{n}"), session.id)).code for n in range(4)]
    assert codes == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert (await withdraw(services, person("U0"), meeting.id)).code == "withdrawn"
    statuses = {r.user_id: r.status for r in await _registrations(services)}
    assert statuses == {"U0": "withdrawn", "U1": "confirmed", "U2": "confirmed",
                        "U3": "waitlisted"}
    (session,) = await _sessions(services, meeting.id)
    assert session.taken == 2
    async with services.sessions() as db:
        keys = [d.key for d in await db.exec(select(Delivery))]
    assert any(key.endswith(":promoted") for key in keys)


async def test_concurrent_sign_ups_fill_exactly_the_capacity(services, make_meeting):
    meeting = await make_meeting(capacities=(20,))
    (session,) = await _sessions(services, meeting.id)
    outcomes = await asyncio.gather(*(sign_up(services, person(f"U{n:03d}"), session.id)
                                      for n in range(60)))
    assert sorted(o.code for o in outcomes).count("confirmed") == 20
    registrations = await _registrations(services)
    assert sum(r.status == "confirmed" for r in registrations) == 20
    assert sum(r.status == "waitlisted" for r in registrations) == 40
    # Click order as the database saw it: every confirmed ticket before every waitlisted one.
    last_confirmed = max(r.position for r in registrations if r.status == "confirmed")
    assert all(r.position > last_confirmed for r in registrations if r.status == "waitlisted")
    async with services.sessions() as db:
        stored = await db.get(MeetingSession, session.id)
    assert stored.taken == 20


async def test_one_person_clicking_ten_times_holds_one_place(services, make_meeting):
    meeting = await make_meeting(capacities=(5,))
    (session,) = await _sessions(services, meeting.id)
    outcomes = await asyncio.gather(*(sign_up(services, person("U1"), session.id)
                                      for _ in range(10)))
    assert [o.code for o in outcomes].count("confirmed") == 1
    assert len(await _registrations(services)) == 1
    (session,) = await _sessions(services, meeting.id)
    assert session.taken == 1
