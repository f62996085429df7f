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


async def test_switch_frees_the_seat_for_the_first_on_that_waitlist(services, make_meeting):
    meeting = await make_meeting(capacities=(1, 3))
    first, second = await _sessions(services, meeting.id)
    assert (await sign_up(services, person("U1"), first.id)).code == "confirmed"
    assert (await sign_up(services, person("U2"), first.id)).code == "waitlisted"
    assert (await sign_up(services, person("U3"), first.id)).code == "waitlisted"
    assert (await sign_up(services, person("U1"), second.id)).code == "confirmed"
    statuses = {r.user_id: (r.session_id, r.status) for r in await _registrations(services)}
    assert statuses == {"U1": (second.id, "confirmed"), "U2": (first.id, "confirmed"),
                        "U3": (first.id, "waitlisted")}
    assert [s.taken for s in await _sessions(services, meeting.id)] == [1, 1]


async def test_switching_to_a_full_session_keeps_the_seat(services, make_meeting):
    meeting = await make_meeting(capacities=(1, 1))
    first, second = await _sessions(services, meeting.id)
    await sign_up(services, person("U1"), first.id)
    await sign_up(services, person("U2"), second.id)
    assert (await sign_up(services, person("U1"), second.id)).code == "switch_full"
    statuses = {r.user_id: (r.session_id, r.status) for r in await _registrations(services)}
    assert statuses["U1"] == (first.id, "confirmed")


async def test_lower_capacity_keeps_everyone_confirmed_and_stops_new_seats(
        services, make_meeting, coordinator):
    from bot.meetings.planning import SessionChange, change_session

    meeting = await make_meeting(capacities=(3,))
    (session,) = await _sessions(services, meeting.id)
    for user in ("U1", "U2", "U3"):
        await sign_up(services, person(user), session.id)
    await change_session(services, coordinator, session.id, SessionChange(capacity="1"))
    assert (await sign_up(services, person("U4"), session.id)).code == "waitlisted"
    await withdraw(services, person("U1"), meeting.id)
    statuses = {r.user_id: r.status for r in await _registrations(services)}
    assert statuses == {"U1": "withdrawn", "U2": "confirmed", "U3": "confirmed",
                        "U4": "waitlisted"}
    await change_session(services, coordinator, session.id, SessionChange(capacity="4"))
    statuses = {r.user_id: r.status for r in await _registrations(services)}
    assert statuses["U4"] == "confirmed"


async def test_a_declined_person_can_still_sign_up_and_the_deadline_closes(
        services, make_meeting, clock):
    meeting = await make_meeting(capacities=(2,), deadline_days=3)
    (session,) = await _sessions(services, meeting.id)
    assert (await withdraw(services, person("U1"), meeting.id, decline=True)).code == "declined"
    assert (await withdraw(services, person("U1"), meeting.id,
                           decline=True)).code == "already_declined"
    assert (await sign_up(services, person("U1"), session.id)).code == "confirmed"
    clock.advance(days=4)
    assert (await sign_up(services, person("U2"), session.id)).code == "closed"
    assert (await withdraw(services, person("U3"), meeting.id)).code == "not_registered"
