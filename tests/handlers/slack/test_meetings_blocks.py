"""The meeting builders are pure: checked on their output against Block Kit's limits."""

from datetime import UTC, datetime, timedelta

from bot.meetings.content import load_meeting_defaults
from bot.meetings.roster import Participant, Roster, SessionRoster
from handlers.slack import meetings_blocks as blocks
from handlers.slack import meetings_ids as ids
from tests.conftest import CONTENT
from tests.fakes.block_kit import validate_blocks, validate_view

DEFAULTS = load_meeting_defaults(CONTENT)


def _view(**changes) -> dict:
    session = {"id": 3, "starts": "2026-12-10T09:30:00+01:00", "ends": "2026-12-10T12:00:00+01:00",
               "location": "Stadhuis", "capacity": 40, "taken": 38, "left": 2, "waitlist": 0,
               "state": "planned"}
    full = {**session, "id": 4, "taken": 40, "left": 0, "waitlist": 5,
            "starts": "2026-12-11T13:30:00+01:00", "ends": "2026-12-11T16:00:00+01:00"}
    view = {"meeting_id": 1, "title": "Kennismaking", "description": "Waarom",
            "agenda": DEFAULTS.agenda, "practical": DEFAULTS.practical, "mandatory": True,
            "deadline": "2026-12-01T17:00:00+01:00", "closed": False, "cancelled": False,
            "sessions": [session, full]}
    return {**view, **changes}


def test_invitation_shows_seats_left_and_a_sign_up_per_session():
    message = blocks.build_invitation(_view(), "nl")
    assert validate_blocks(message["blocks"]) == []
    shown = str(message)
    assert "donderdag 10 december 2026 09:30-12:00, Stadhuis" in shown
    assert "nog 2 van 40 plekken vrij" in shown and "vol, 5 op de wachtlijst" in shown
    assert "Aanmelden kan tot dinsdag 1 december 2026 17:00." in shown
    sign_ups = [b["accessory"]["value"] for b in message["blocks"]
                if b.get("accessory", {}).get("action_id") == ids.SIGN_UP]
    assert sign_ups == ["3", "4"]
    actions = message["blocks"][-1]["elements"]
    assert [a["action_id"] for a in actions] == [ids.DECLINE, ids.SWITCH, ids.WITHDRAW,
                                                 ids.PROFILE, ids.PARTICIPANTS]
    english = blocks.build_invitation(_view(), "en")
    assert "2 of 40 places left" in english["text"]


def test_closed_or_cancelled_invitation_has_no_sign_up_buttons():
    closed = blocks.build_invitation(_view(closed=True), "nl")
    assert "De aanmelding is gesloten." in str(closed)
    assert ids.SIGN_UP not in str(closed)
    cancelled = blocks.build_invitation(_view(cancelled=True), "nl")
    assert "afgelast" in cancelled["text"] and "actions" not in str(cancelled)


def test_create_modal_is_valid_and_grows_by_a_session():
    modal = blocks.build_create_modal(DEFAULTS, "nl", timezone="Europe/Amsterdam")
    assert validate_view(modal, expected_type="modal") == []
    bigger = blocks.build_create_modal(DEFAULTS, "nl", timezone="Europe/Amsterdam", sessions=10)
    assert validate_view(bigger, expected_type="modal") == []
    block_ids = {b.get("block_id") for b in bigger["blocks"]}
    assert ids.session_block(9, "capacity") in block_ids


def test_participant_list_and_profile_and_change_views_are_valid():
    start = datetime(2026, 12, 10, 9, 30, tzinfo=UTC)
    people = [Participant(f"U{n}", "", "UWV", "projectleider", "confirmed") for n in range(60)]
    roster = Roster(1, "Kennismaking", "nl", ["C1"], [
        SessionRoster(3, start, start + timedelta(hours=2), "Stadhuis", 60, "planned",
                      people, people[:3])], people[:2], set(), ["U99"])
    message = blocks.build_participants(roster, "nl")
    assert validate_blocks(message["blocks"]) == []
    assert "… +20" in str(message) and "<@U99>" in str(message)
    modal = blocks.build_profile_modal(["UWV"], DEFAULTS.role_choices, "nl",
                                       organisation="UWV", role="anders")
    assert validate_view(modal, expected_type="modal") == []
    change = blocks.build_change_modal(_view()["sessions"][0], "nl", timezone="Europe/Amsterdam")
    assert validate_view(change, expected_type="modal") == []
    prompt = blocks.build_profile_prompt("ok", ["UWV"], DEFAULTS.role_choices, "nl")
    assert validate_blocks(prompt["blocks"]) == []
