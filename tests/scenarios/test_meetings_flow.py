"""Meetings end to end: signed requests into the running app, Slack played by the fake
server, time driven by the test's clock."""

from datetime import datetime, timedelta

import icalendar
import pytest
from sqlmodel import select

from bot.identity import Person
from bot.meetings.models import Meeting, MeetingSession, Registration, SignUpRequest
from bot.meetings.signups import accept
from handlers.slack import meetings_ids as ids
from tests.conftest import COORDINATOR, SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver
from tests.scenarios.meetings_driver import MeetingDriver, meeting_values, session_values


@pytest.fixture
def slack(http, bot_url, slack_api) -> SlackDriver:
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


@pytest.fixture
def meet(slack) -> MeetingDriver:
    return MeetingDriver(slack)


def local_day(clock, days: int):
    return (clock() + timedelta(days=days)).date()


async def _meeting(services) -> Meeting:
    async with services.sessions() as db:
        return (await db.exec(select(Meeting))).one()


async def _sessions(services) -> list[MeetingSession]:
    async with services.sessions() as db:
        return list(await db.exec(select(MeetingSession).order_by(MeetingSession.id)))


async def _statuses(services) -> dict[str, tuple[int | None, str]]:
    async with services.sessions() as db:
        rows = await db.exec(select(Registration))
        return {r.user_id: (r.session_id, r.status) for r in rows}


def _files_for(slack_api, user: str) -> list[dict]:
    return [f for f in slack_api.files if f"D{user}" in f["channels"]]


def _ics(file: dict) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(file["bytes"])


async def create(meet, clock, *, capacities=(2, 5), deadline_days=None) -> dict:
    sessions = [(local_day(clock, 10 + i), "09:30", "12:00", f"Zaal {i}", str(capacity))
                for i, capacity in enumerate(capacities)]
    deadline = clock() + timedelta(days=deadline_days) if deadline_days else None
    return await meet.submit(ids.CREATE_VIEW, meeting_values(sessions=sessions,
                                                             deadline=deadline),
                             user=COORDINATOR, metadata={"sessions": len(sessions)})


async def test_command_opens_the_modal_and_adding_a_session_keeps_what_was_typed(
        slack, meet, slack_api, clock):
    response, _ = await slack.command("nieuw", user=COORDINATOR, command=ids.COMMAND)
    assert response.status_code == 200
    await slack_api.wait_for("views.open")
    (view,) = slack_api.views.values()
    assert view["callback_id"] == ids.CREATE_VIEW
    agenda = next(b for b in view["blocks"] if b.get("block_id") == ids.AGENDA_BLOCK)
    assert "Presentatie over het convenant" in agenda["element"]["initial_value"]
    typed = meeting_values(title="Mijn titel", sessions=[(local_day(clock, 5), "10:00",
                                                          "11:00", "Stadhuis", "30")])
    await meet.click_in_view(ids.ADD_SESSION, "1", view, user=COORDINATOR, values=typed)
    await slack_api.wait_for("views.update")
    updated = slack_api.views[view["id"]]
    by_block = {b.get("block_id"): b for b in updated["blocks"]}
    assert by_block[ids.TITLE_BLOCK]["element"]["initial_value"] == "Mijn titel"
    assert by_block[ids.session_block(0, "location")]["element"]["initial_value"] == "Stadhuis"
    assert by_block[ids.session_block(0, "start")]["element"]["initial_time"] == "10:00"
    assert ids.session_block(1, "day") in by_block


async def test_every_validation_error_is_shown_on_its_field(meet, services, clock):
    yesterday = local_day(clock, -1)
    later = local_day(clock, 10)
    values = meeting_values(
        title=" ", channels=(), deadline=clock() + timedelta(days=20),
        sessions=[(yesterday, "10:00", "11:00", "", "10"),
                  (later, "12:00", "11:00", "", "0"),
                  (later, "10:00", "11:00", "", "2,5"),
                  (None, "10:00", "11:00", "", "10")])
    answer = await meet.submit(ids.CREATE_VIEW, values, user=COORDINATOR,
                               metadata={"sessions": 4})
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert errors[ids.TITLE_BLOCK] == "Geef de bijeenkomst een titel."
    assert errors[ids.CHANNELS_BLOCK] == "Kies minstens één kanaal om uit te nodigen."
    assert errors[ids.session_block(0, "day")] == "Deze datum en tijd liggen in het verleden."
    assert errors[ids.session_block(1, "end")] == "De eindtijd moet na de begintijd liggen."
    assert errors[ids.session_block(1, "capacity")] == "Vul een heel getal van 1 of meer in."
    assert errors[ids.session_block(2, "capacity")] == "Vul een heel getal van 1 of meer in."
    assert errors[ids.session_block(3, "day")] == "Kies een datum."
    assert errors[ids.DEADLINE_BLOCK] == "De deadline moet vóór de eerste sessie liggen."
    past = await meet.submit(ids.CREATE_VIEW, meeting_values(
        deadline=clock() - timedelta(hours=1),
        sessions=[(later, "10:00", "11:00", "", "10")]), user=COORDINATOR,
        metadata={"sessions": 1})
    assert past["errors"] == {ids.DEADLINE_BLOCK: "De deadline ligt in het verleden."}
    none = await meet.submit(ids.CREATE_VIEW, meeting_values(), user=COORDINATOR,
                             metadata={"sessions": 0})
    assert none["errors"] == {ids.session_block(0, "day"): "Voeg minstens één sessie toe."}
    async with services.sessions() as db:
        assert (await db.exec(select(Meeting))).first() is None


async def test_non_coordinators_are_refused(slack, meet, services, clock):
    _, key = await slack.command("", user="U9", command=ids.COMMAND)
    (answer,) = await slack.responses(key)
    assert "alleen coördinatoren" in answer["text"]
    refused = await meet.submit(ids.CREATE_VIEW, meeting_values(
        sessions=[(local_day(clock, 9), "10:00", "11:00", "", "10")]), user="U9",
        metadata={"sessions": 1})
    assert "alleen coördinatoren" in refused["errors"][ids.TITLE_BLOCK]
    await create(meet, clock)
    meeting = await _meeting(services)
    for action in (ids.PARTICIPANTS, ids.EXPORT, ids.CANCEL_MEETING):
        answer = await meet.answer(await meet.click(action, str(meeting.id), user="U9"))
        assert "alleen coördinatoren" in answer["text"]
    session = (await _sessions(services))[0]
    answer = await meet.answer(await meet.click(ids.CANCEL_SESSION, str(session.id), user="U9"))
    assert "alleen coördinatoren" in answer["text"]
    assert (await _meeting(services)).state == "open"


async def test_clicks_on_cancelled_or_closed_meetings_get_a_clear_answer(
        meet, services, clock, slack_api):
    await create(meet, clock, deadline_days=2)
    meeting = await _meeting(services)
    first, second = await _sessions(services)
    clock.advance(days=3)
    answer = await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U1"))
    assert "aanmelding voor deze bijeenkomst is gesloten" in answer["text"]
    assert await _statuses(services) == {}
    clock.advance(days=-3)
    await meet.answer(await meet.click(ids.CANCEL_SESSION, str(second.id), user=COORDINATOR))
    answer = await meet.answer(await meet.click(ids.SIGN_UP, str(second.id), user="U1"))
    assert "sessie is afgelast" in answer["text"]
    await meet.answer(await meet.click(ids.CANCEL_MEETING, str(meeting.id), user=COORDINATOR))
    answer = await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U1"))
    assert "bijeenkomst is afgelast" in answer["text"]
    answer = await meet.answer(await meet.click(ids.WITHDRAW, str(meeting.id), user="U1"))
    assert "bijeenkomst is afgelast" in answer["text"]
    answer = await meet.answer(await meet.click(ids.SIGN_UP, "999", user="U1"))
    assert "bestaat niet" in answer["text"]


async def test_meeting_from_invitation_to_export(meet, services, clock, slack_api):
    slack_api.add_channel("C1", members=["U1", "U2", "U3", "U4", "U5"])
    assert await create(meet, clock) == {}
    meeting = await _meeting(services)
    first, second = await _sessions(services)
    posted = await slack_api.wait_until(lambda: slack_api.messages("C1"))
    invitation = posted[0]
    assert "Kennismaking" in invitation["text"]
    assert "nog 2 van 2 plekken vrij" in invitation["text"]

    # Sign up until full, then the waitlist; ten clicks by U1 hold one place.
    answer = await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U1"))
    assert answer["text"].startswith("Je bent aangemeld voor")
    selects = answer["blocks"][-1]["elements"]
    assert [s["action_id"] for s in selects] == [ids.PROFILE_ORGANISATION, ids.PROFILE_ROLE]
    for _ in range(3):
        again = await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U1"))
        assert again["text"] == "Je bent al aangemeld voor deze sessie."
    await meet.answer(await meet.click(ids.PROFILE_ORGANISATION, "", user="U1",
                                       selected="Waterschap Voorbeeld"))
    saved = await meet.answer(await meet.click(ids.PROFILE_ROLE, "", user="U1",
                                               selected="projectleider"))
    assert "Waterschap Voorbeeld" in saved["text"] and "projectleider" in saved["text"]
    await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U2"))
    full = await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U3"))
    assert full["text"].startswith("Deze sessie is vol.")
    declined = await meet.answer(await meet.click(ids.DECLINE, str(meeting.id), user="U4"))
    assert "kan niet" in declined["text"]
    assert await _statuses(services) == {
        "U1": (first.id, "confirmed"), "U2": (first.id, "confirmed"),
        "U3": (first.id, "waitlisted"), "U4": (None, "declined")}

    # Confirmation DMs carry the .ics; seats left update on the invitation (debounced).
    await slack_api.wait_until(lambda: len(_files_for(slack_api, "U2")) == 1)
    (confirmation,) = _files_for(slack_api, "U1")
    calendar = _ics(confirmation)
    assert calendar["METHOD"] == "REQUEST"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"
    (event,) = calendar.walk("VEVENT")
    uid = str(event["UID"])
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART").hour == 9 and event.decoded("DTSTART").minute == 30
    assert "Je bent aangemeld" in confirmation["initial_comment"]
    clock.advance(seconds=3)
    services.outbox.wake()
    await slack_api.wait_until(lambda: slack_api.calls_to("chat.update"))
    shown = await slack_api.wait_until(
        lambda: [m for m in slack_api.messages("C1") if "vol, 1 op de wachtlijst" in m["text"]])
    assert shown

    # Withdraw: the first on the waitlist is promoted and told by DM.
    gone = await meet.answer(await meet.click(ids.WITHDRAW, str(meeting.id), user="U1"))
    assert gone["text"].startswith("Je bent afgemeld")
    promoted = await slack_api.wait_until(lambda: _files_for(slack_api, "U3"))
    assert "Er kwam een plek vrij" in promoted[0]["initial_comment"]
    cancelled = await slack_api.wait_until(lambda: len(_files_for(slack_api, "U1")) == 2
                                           and _files_for(slack_api, "U1"))
    assert _ics(cancelled[1])["METHOD"] == "CANCEL"
    assert (await _statuses(services))["U3"] == (first.id, "confirmed")

    # Switch: U2 moves to the second session ("Wijzig sessie" shows the choice).
    choice = await meet.answer(await meet.click(ids.SWITCH, str(meeting.id), user="U2"))
    assert [b["accessory"]["value"] for b in choice["blocks"] if "accessory" in b] == [
        str(first.id), str(second.id)]
    moved = await meet.answer(await meet.click(ids.SIGN_UP, str(second.id), user="U2"))
    assert moved["text"].startswith("Je bent aangemeld voor")
    assert (await _statuses(services))["U2"] == (second.id, "confirmed")
    assert [s.taken for s in await _sessions(services)] == [1, 1]

    # Reminders: a week before and the day before, once each.
    start = first.starts_at if first.starts_at.tzinfo else first.starts_at.replace(
        tzinfo=clock().tzinfo)
    for before in (7, 1):
        clock.now = start - timedelta(days=before) + timedelta(minutes=1)
        await services.scheduler.run_due(clock.now)
        await services.scheduler.run_due(clock.now)
        services.outbox.wake()
    reminders = await slack_api.wait_until(
        lambda: len([m for m in slack_api.messages("DU3") if "Herinnering" in m["text"]]) == 2
        and [m for m in slack_api.messages("DU3") if "Herinnering" in m["text"]])
    assert "morgen" in reminders[1]["text"]
    assert not [m for m in slack_api.messages("DU2") if "Herinnering" in m.get("text", "")]

    # A change: everyone confirmed gets the updated .ics (same UID, SEQUENCE 1).
    clock.now = start - timedelta(days=2)
    new_day = (start + timedelta(days=1)).date()
    changed = await meet.submit(
        ids.CHANGE_VIEW, session_values(0, new_day, "13:00", "15:00", "Gemeentehuis", "1"),
        user=COORDINATOR, metadata={"session_id": first.id})
    assert changed == {}
    update = await slack_api.wait_until(
        lambda: [f for f in _files_for(slack_api, "U3") if "gewijzigd" in f["initial_comment"]])
    (event,) = _ics(update[0]).walk("VEVENT")
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1
    assert str(event["LOCATION"]) == "Gemeentehuis"

    # The list and its export (name badges), then cancelling the meeting.
    listing = await meet.answer(await meet.click(ids.PARTICIPANTS, str(meeting.id),
                                                 user=COORDINATOR))
    shown = "\n".join(b["text"]["text"] for b in listing["blocks"] if b.get("text"))
    assert "<@U3>" in shown and "<@U4>" in shown and "<@U5>" in shown
    sent = await meet.answer(await meet.click(ids.EXPORT, str(meeting.id), user=COORDINATOR))
    assert "CSV" in sent["text"]
    export = await slack_api.wait_until(lambda: _files_for(slack_api, COORDINATOR))
    rows = export[0]["bytes"].decode().splitlines()
    assert rows[0] == "naam,organisatie,rol,sessie"
    assert any(row.startswith("name-U2,") for row in rows)
    await meet.answer(await meet.click(ids.CANCEL_MEETING, str(meeting.id), user=COORDINATOR))
    off = await slack_api.wait_until(
        lambda: [f for f in _files_for(slack_api, "U2") if "afgelast" in f["initial_comment"]])
    assert _ics(off[0])["METHOD"] == "CANCEL"
    assert isinstance(clock.now, datetime)


async def test_profile_modal_list_command_and_change_form(slack, meet, services, clock,
                                                          slack_api):
    from bot.meetings.models import Profile

    await create(meet, clock)
    meeting = await _meeting(services)
    first, _ = await _sessions(services)
    await meet.click(ids.PROFILE, str(meeting.id), user="U7")
    await slack_api.wait_for("views.open")
    (profile_view,) = [v for v in slack_api.views.values()
                       if v["callback_id"] == ids.PROFILE_VIEW]
    assert profile_view["blocks"][2]["block_id"] == ids.ORGANISATION_BLOCK

    def choose(block: str, value: str | None) -> dict:
        option = {"value": value} if value else None
        return {block: {ids.VALUE: {"type": "static_select", "selected_option": option}}}

    wrong = await meet.submit(ids.PROFILE_VIEW, {**choose(ids.ORGANISATION_BLOCK, "Elders"),
                                                 **choose(ids.ROLE_BLOCK, None)}, user="U7")
    assert set(wrong["errors"]) == {ids.ORGANISATION_BLOCK, ids.ROLE_BLOCK}
    saved = await meet.submit(ids.PROFILE_VIEW, {
        **choose(ids.ORGANISATION_BLOCK, "UWV"), **choose(ids.ROLE_BLOCK, "anders"),
        ids.NAME_BLOCK: {ids.VALUE: {"type": "plain_text_input", "value": "Ria Jansen"}}},
        user="U7")
    assert saved == {}
    async with services.sessions() as db:
        profile = (await db.exec(select(Profile))).one()
    assert (profile.name, profile.organisation, profile.role) == ("Ria Jansen", "UWV", "anders")

    answer = await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U7"))
    assert "selects" not in str(answer) and answer["text"].startswith("Je bent aangemeld")
    _, key = await slack.command("lijst", user=COORDINATOR, command=ids.COMMAND)
    (listing,) = await slack.responses(key)
    assert "Deelnemerslijst *Kennismaking*" in listing["text"]
    assert "<@U7> — UWV, anders" in str(listing["blocks"])
    _, key = await slack.command("iets", user=COORDINATOR, command=ids.COMMAND)
    (usage,) = await slack.responses(key)
    assert "/bijeenkomst lijst" in usage["text"]

    await meet.click(ids.CHANGE_SESSION, str(first.id), user=COORDINATOR)
    await slack_api.wait_until(lambda: [v for v in slack_api.views.values()
                                        if v["callback_id"] == ids.CHANGE_VIEW])
    bad = await meet.submit(ids.CHANGE_VIEW, session_values(
        0, local_day(clock, 10), "12:00", "11:00", "Zaal", "0"), user=COORDINATOR,
        metadata={"session_id": first.id})
    assert set(bad["errors"]) == {ids.session_block(0, "end"), ids.session_block(0, "capacity")}


async def _clicks_left(services) -> list[tuple[str, int]]:
    async with services.sessions() as db:
        return [(c.user_id, c.session_id) for c in await db.exec(select(SignUpRequest))]


async def test_a_sign_up_is_stored_before_its_ack_and_slacks_retry_of_it_is_answered_once(
        meet, services, clock, slack_api):
    await create(meet, clock)
    first, _ = await _sessions(services)
    with services.background.foreground():  # another request under way: after-ack work waits
        key = await meet.click(ids.SIGN_UP, str(first.id), user="U1", trigger="t1", key="k1")
        assert await _clicks_left(services) == [("U1", first.id)]
        assert await _statuses(services) == {}
        assert await meet.click(ids.SIGN_UP, str(first.id), user="U1", trigger="t1",
                                key="k1") == key  # Slack's retry: acked, stored once
        assert await _clicks_left(services) == [("U1", first.id)]
    answer = await meet.answer(key)
    assert answer["text"].startswith("Je bent aangemeld voor")
    await services.background.settled()
    assert len(slack_api.calls_to("response_url")) == 1
    assert await _statuses(services) == {"U1": (first.id, "confirmed")}
    assert await _clicks_left(services) == []


async def test_a_click_a_stopped_process_did_not_decide_is_decided_by_the_next_pass(
        meet, services, clock, slack_api):
    await create(meet, clock, capacities=(1,))
    [only] = await _sessions(services)
    for user in ("U1", "U2"):  # stored, acked, and then the process stopped
        await accept(services, Person("slack", TEAM, user), only.id, claim=f"t-{user}",
                     name=f"name-{user}", response_url=slack_api.response_url(f"left-{user}"))
    await services.scheduler.run_due(clock())
    assert await _statuses(services) == {"U1": (only.id, "confirmed"),
                                         "U2": (only.id, "waitlisted")}
    assert await _clicks_left(services) == []
    [confirmed] = await meet.slack.responses("left-U1")
    assert confirmed["text"].startswith("Je bent aangemeld voor")
    [waiting] = await meet.slack.responses("left-U2")
    assert waiting["text"].startswith("Deze sessie is vol.")


async def test_a_click_made_before_the_deadline_counts_when_decided_after_it(
        meet, services, clock):
    await create(meet, clock, deadline_days=2)
    first, _ = await _sessions(services)
    await accept(services, Person("slack", TEAM, "U1"), first.id, claim="t-late")
    clock.advance(days=3)  # the process that stored it was down until after the deadline
    await services.scheduler.run_due(clock())
    assert await _statuses(services) == {"U1": (first.id, "confirmed")}
    answer = await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U2"))
    assert "aanmelding voor deze bijeenkomst is gesloten" in answer["text"]


async def test_a_withdrawal_and_a_cancellation_are_stored_before_their_acks(
        meet, services, clock):
    await create(meet, clock)
    first, second = await _sessions(services)
    await meet.answer(await meet.click(ids.SIGN_UP, str(first.id), user="U1"))
    meeting = await _meeting(services)
    with services.background.foreground():  # another request under way: after-ack work waits
        withdrawn = await meet.click(ids.WITHDRAW, str(meeting.id), user="U1")
        assert (await _statuses(services))["U1"][1] == "withdrawn"
        cancelled = await meet.click(ids.CANCEL_SESSION, str(second.id), user=COORDINATOR)
        assert [s.state for s in await _sessions(services)] == ["planned", "cancelled"]
    assert "afgemeld" in (await meet.answer(withdrawn))["text"]
    assert "afgelast" in (await meet.answer(cancelled))["text"].lower()


async def test_a_click_a_killed_process_had_taken_is_decided_when_its_lease_runs_out(
        meet, services, clock):
    from sqlalchemy import update

    from bot.meetings.signups import LEASE

    await create(meet, clock)
    first, _ = await _sessions(services)
    click = await accept(services, Person("slack", TEAM, "U1"), first.id, claim="t-taken")
    async with services.sessions() as db:  # taken by a process that then died
        await db.execute(update(SignUpRequest).where(SignUpRequest.id == click)
                         .values(claimed_at=clock()))
        await db.commit()
    await services.scheduler.run_due(clock())
    assert await _statuses(services) == {}  # perhaps still being decided: left alone
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await services.scheduler.run_due(clock())
    assert await _statuses(services) == {"U1": (first.id, "confirmed")}
