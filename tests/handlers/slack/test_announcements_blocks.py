"""The announcement Block Kit builders, checked against Slack's limits."""

from datetime import UTC, datetime

import pytest

from bot.announcements.drafts import Draft
from bot.announcements.texts import TEXTS
from handlers.slack import announcements_ids as ids
from handlers.slack.announcements_blocks import (
    build_external,
    build_list,
    build_notice,
    build_post,
    build_preview,
    build_report,
)
from handlers.slack.announcements_modal import (
    ModalState,
    TemplateChoice,
    build_compose_modal,
    draft_from_view,
    modal_errors,
)
from tests.fakes.block_kit import validate_blocks, validate_view
from tests.fakes.views import initial_state

TEMPLATES = [TemplateChoice("gezamenlijk-intern", "Gezamenlijk bericht – intern (collega's)")]
POST = {"id": 7, "title": "Convenant getekend", "body": "Vandaag *getekend*.",
        "image_url": "https://voorbeeld.nl/foto.jpg", "variant": "internal", "reads": 0}


def _actions(message: dict) -> dict[str, dict]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions"
            for e in b["elements"]}


@pytest.mark.parametrize("mode", ["new", "draft", "edit"])
def test_compose_modal_is_valid_and_reads_back_what_it_shows(mode):
    draft = Draft(title="Titel", body="Tekst\nmet regels", image_url="https://x.nl/a.png",
                  variant="external", channels=["C1", "C2"], later=True,
                  send_at=datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    state = ModalState(mode=mode, announcement_id=3, revision=2, channel="C9",
                       template="gezamenlijk-intern")
    view = build_compose_modal(draft, state, TEMPLATES)
    assert validate_view(view, expected_type="modal") == []
    view["state"] = {"values": initial_state(view)}
    read, read_state = draft_from_view(view)
    assert read_state == state
    assert (read.title, read.body, read.image_url, read.variant) == (
        draft.title, draft.body, draft.image_url, draft.variant)
    if mode == "edit":  # channels and time are settled once sent
        assert read.channels == [] and ids.CHANNELS_INPUT not in str(view["blocks"])
    else:
        assert (read.channels, read.later, read.send_at) == (
            draft.channels, True, draft.send_at)


def test_modal_errors_land_on_the_input_blocks_of_this_revision():
    errors = modal_errors({"title": "a", "channels": "b", "send_at": "c", "image_url": "d",
                           "body": "e"}, ModalState(revision=4))
    assert errors == {f"{ids.TITLE_BLOCK}.4": "a", f"{ids.CHANNELS_BLOCK}.4": "b",
                      f"{ids.SEND_AT_BLOCK}.4": "c", f"{ids.IMAGE_BLOCK}.4": "d",
                      f"{ids.BODY_BLOCK}.4": "e"}


@pytest.mark.parametrize(("reads", "expected"), [
    (0, "Nog niemand"), (1, "1 collega heeft"), (12, "12 collega's hebben dit gelezen")])
def test_post_shows_the_read_count_and_read_button(reads, expected):
    message = build_post({**POST, "reads": reads})
    assert validate_blocks(message["blocks"]) == []
    assert expected in str(message["blocks"])
    assert set(_actions(message)) == {ids.READ}
    assert _actions(message)[ids.READ]["value"] == "7"


def test_external_post_offers_the_website_text_and_limits_hold():
    message = build_post({**POST, "variant": "external", "title": "t" * 150,
                          "body": "b" * 3000})
    assert validate_blocks(message["blocks"]) == []
    assert ids.EXTERNAL in _actions(message)


def test_preview_shows_the_post_without_its_buttons_and_with_send_adjust_cancel():
    message = build_preview(POST, ["C1", "C2"], "Wordt direct verstuurd")
    assert validate_blocks(message["blocks"]) == []
    assert set(_actions(message)) == {ids.SEND, ids.ADJUST, ids.DISCARD}
    assert "<#C1>, <#C2>" in str(message["blocks"])


def test_report_gives_reasons_a_coordinator_can_act_on():
    rows = [{"channel": "C1", "status": "delivered", "reason": "", "reads": 3,
             "permalink": "https://test.slack.com/archives/C1/p1"},
            {"channel": "C2", "status": "failed", "reason": "not_in_channel", "reads": 0,
             "permalink": ""},
            {"channel": "C3", "status": "failed", "reason": "is_archived", "reads": 0,
             "permalink": ""},
            {"channel": "C4", "status": "failed", "reason": "weird_error", "reads": 0,
             "permalink": ""},
            {"channel": "C5", "status": "waiting", "reason": "", "reads": 0, "permalink": ""}]
    view = {"id": 1, "title": "Titel", "state": "sending", "send_at": "", "rows": rows,
            "total": 5, "delivered": 1, "failed": 3, "reads": 3}
    message = build_report(view)
    assert validate_blocks(message["blocks"]) == []
    shown = str(message["blocks"])
    assert "/invite @Convenantbot" in shown and "gearchiveerd" in shown
    assert "weird_error" in shown and "wacht op verzending" in shown
    assert "<https://test.slack.com/archives/C1/p1|bekijk>" in shown
    assert "1 van 5 afgeleverd" in message["text"]


def test_report_of_two_hundred_channels_stays_within_slack_limits():
    rows = [{"channel": f"C{n:08d}", "status": "failed", "reason": "channel_not_found",
             "reads": 0, "permalink": ""} for n in range(200)]
    view = {"id": 1, "title": "Titel", "state": "sent", "send_at": "", "rows": rows,
            "total": 200, "delivered": 0, "failed": 200, "reads": 0}
    assert validate_blocks(build_report(view)["blocks"]) == []


@pytest.mark.parametrize("state", ["draft", "scheduled", "sending", "sent", "cancelled",
                                   "recalled"])
def test_list_offers_what_each_state_allows_with_confirmations(state):
    message = build_list([{"id": 5, "title": "Titel", "state": state, "channels": 2,
                           "when": "dinsdag 3 maart 2026 09:30"}])
    assert validate_blocks(message["blocks"]) == []
    actions = _actions(message)
    assert (ids.RECALL in actions) == (state in ("sending", "sent", "cancelled"))
    assert (ids.CANCEL in actions) == (state in ("scheduled", "sending"))
    for action in (ids.RECALL, ids.CANCEL):
        if action in actions:
            assert actions[action]["confirm"]["style"] == "danger"


def test_empty_list_and_long_external_text():
    assert "/aankondiging" in build_list([])["text"]
    message = build_external("# T\n\n" + "woord " * 2000)
    assert validate_blocks(message["blocks"]) == []
    assert validate_blocks(build_notice("x")["blocks"]) == []


def test_texts_exist_in_dutch_and_english():
    assert set(TEXTS["nl"]) == set(TEXTS["en"])
