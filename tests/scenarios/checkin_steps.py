"""Helpers for check-in scenarios: what Slack sends when someone submits a modal."""

import itertools
import json

import httpx

from tests.fakes.driver import SlackDriver
from tests.fakes.signing import FORM_CONTENT_TYPE, interaction_body

_views = itertools.count(1)


async def submit(driver: SlackDriver, view: dict, values: dict[str, dict], *, user: str
                 ) -> httpx.Response:
    """Submits `view` with input `values` ({block_id: element state}) as `user`."""
    payload = {
        "type": "view_submission",
        "team": {"id": driver.team_id, "domain": "test"},
        "user": {"id": user, "username": "tester", "team_id": driver.team_id},
        "api_app_id": "A1", "token": "verification-token-deprecated",
        "trigger_id": f"trigger-view-{next(_views)}",
        "view": {**view, "id": f"V{next(_views):06d}", "team_id": driver.team_id,
                 "state": {"values": {block: {"value": state} for block, state in
                                      values.items()}}},
    }
    return await driver.post(interaction_body(payload), FORM_CONTENT_TYPE)


def selected(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value}}


def typed(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def number(value: str) -> dict:
    return {"type": "number_input", "value": value}


def ack_body(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return json.loads(response.text) if response.text else {}
