"""The check-in Block Kit builders: valid Block Kit, ids from the ids module, Dutch by default,
English on request, and nothing per person in results."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.checkins.questions import load_form
from bot.checkins.texts import text
from handlers.slack import checkins_ids as ids
from handlers.slack.checkins_blocks import (
    build_action_modal,
    build_checkin_modal,
    build_prompt,
    build_results,
    build_schedule_modal,
)
from tests.fakes.block_kit import validate_blocks, validate_view

FORM = load_form(Path(__file__).resolve().parents[3] / "content")
ZONE = ZoneInfo("Europe/Amsterdam")
PROMPT = {"round_id": 7, "period": "2027-Q1", "channel_id": "C1", "anonymous": True,
          "closes_at": "2027-01-18T08:00:00+00:00", "zone": "Europe/Amsterdam", "open": True,
          "actions": [{"id": 3, "what": "Regiegroep", "owner": "Ans", "due_on": "2027-02-01"}]}


def test_prompt_has_the_fill_in_button_and_one_done_button_per_open_action():
    message = build_prompt(PROMPT, "nl")
    assert validate_blocks(message["blocks"]) == []
    assert "maandag 18 januari 2027 09:00" in message["text"]
    shown = str(message["blocks"])
    assert ids.FILL_IN in shown and f"{ids.ACTION_DONE}_3" in shown
    assert "Regiegroep (door Ans) · klaar op maandag 1 februari 2027" in shown
    assert "Fill in" in str(build_prompt(PROMPT, "en")["blocks"])


def test_too_few_answers_show_neither_scores_nor_answers():
    message = build_results({"round_id": 7, "period": "2027-Q1", "anonymous": True,
                             "answered": 2, "members": 5, "min_group": 3, "enough": False,
                             "questions": [], "for_coordinator": True,
                             "respondents": ["U1", "U2"]}, "nl")
    shown = str(message["blocks"])
    assert "Te weinig antwoorden voor een uitslag: 2, minimaal 3" in shown
    assert "<@U1>, <@U2>" in shown and "gemiddeld" not in shown
    assert ids.EXPORT in shown  # the coordinator's copy


def test_modals_are_valid_and_prefilled():
    schedule = build_schedule_modal("nl", channel_id="C1",
                                    first_local=datetime(2027, 1, 4, 9, tzinfo=ZONE))
    checkin = build_checkin_modal(FORM, "nl", round_id=7, period="2027-Q1", anonymous=True,
                                  answers={"A": 4, "A:remark": "goed", "barrier": "mandaat"})
    for view in (schedule, checkin, build_action_modal("nl", round_id=7)):
        assert validate_view(view, expected_type="modal") == []
    blocks = {b.get("block_id"): b for b in checkin["blocks"]}
    assert blocks[ids.question_block("A")]["element"]["initial_option"]["value"] == "4"
    assert blocks[ids.remark_block("A")]["element"]["initial_value"] == "goed"
    assert blocks[ids.question_block("barrier")]["element"]["initial_option"]["value"] == "mandaat"
    assert text("modal_intro_anonymous", "nl") in str(checkin["blocks"])
