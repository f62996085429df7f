"""Signed view_submission and in-modal block_actions payloads, as Slack sends them when
someone changes or submits a modal (used with SlackDriver; not part of the fake server)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.fakes.driver import SlackDriver
from tests.fakes.signing import FORM_CONTENT_TYPE, interaction_body

_counter = itertools.count(1)


def initial_state(view: dict) -> dict[str, dict[str, Any]]:
    """The state.values Slack would send for a modal nobody touched: each input's initial
    value (empty inputs are sent too, as Slack does)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        values[block["block_id"]] = {element["action_id"]: element_value(element)}
    return values


def element_value(element: dict, value: Any = None) -> dict:
    """One input's state entry; `value` replaces what it shows (a string, a list of
    conversation ids, an option value, or a unix time)."""
    kind = element["type"]
    entry: dict[str, Any] = {"type": kind}
    if kind == "plain_text_input":
        entry["value"] = value if value is not None else element.get("initial_value")
    elif kind in ("radio_buttons", "static_select"):
        option = element.get("initial_option")
        if value is not None:
            option = next(o for o in element["options"] if o["value"] == value)
        entry["selected_option"] = option
    elif kind == "multi_conversations_select":
        entry["selected_conversations"] = (list(value) if value is not None
                                           else list(element.get("initial_conversations", [])))
    elif kind == "datetimepicker":
        entry["selected_date_time"] = (value if value is not None
                                       else element.get("initial_date_time"))
    return entry


def state_with(view: dict, **by_action_id: Any) -> dict[str, dict[str, Any]]:
    """The modal's state with some inputs changed, by action id."""
    values = initial_state(view)
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if block.get("type") == "input" and element.get("action_id") in by_action_id:
            values[block["block_id"]] = {
                element["action_id"]: element_value(element, by_action_id[element["action_id"]])}
    return values


def _user(driver: SlackDriver, user: str) -> dict:
    return {"id": user, "username": "tester", "name": "tester", "team_id": driver.team_id}


async def submit_view(driver: SlackDriver, view: dict, values: dict, *,
                      user: str) -> httpx.Response:
    """Presses the modal's submit button with these state values; the response body is the
    app's ack (say {"response_action": "errors", ...})."""
    payload = {
        "type": "view_submission",
        "team": {"id": driver.team_id, "domain": "test"},
        "user": _user(driver, user),
        "api_app_id": "A1",
        "token": "verification-token-deprecated",
        "trigger_id": f"trigger-view{next(_counter)}",
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return await driver.post(interaction_body(payload), FORM_CONTENT_TYPE)


async def view_action(driver: SlackDriver, view: dict, action: dict, *, user: str,
                      values: dict | None = None) -> httpx.Response:
    """A block_actions payload from inside a modal (a menu choice, a button)."""
    payload = {
        "type": "block_actions",
        "team": {"id": driver.team_id, "domain": "test"},
        "user": _user(driver, user),
        "api_app_id": "A1",
        "token": "verification-token-deprecated",
        "trigger_id": f"trigger-view{next(_counter)}",
        "container": {"type": "view", "view_id": view["id"]},
        "view": {**view, "state": {"values": values if values is not None
                                   else initial_state(view)}},
        "actions": [{"action_ts": "1700000001.000200", **action}],
        "is_enterprise_install": False,
    }
    return await driver.post(interaction_body(payload), FORM_CONTENT_TYPE)


async def click_in_channel(driver: SlackDriver, action_id: str, value: str, *, user: str,
                           channel: str, message: dict | None = None
                           ) -> tuple[httpx.Response, str]:
    """A button under a message in `channel` (the driver's click always says C1)."""
    key = f"chanclick{next(_counter)}"
    payload = {
        "type": "block_actions",
        "team": {"id": driver.team_id, "domain": "test"},
        "user": _user(driver, user),
        "api_app_id": "A1",
        "token": "verification-token-deprecated",
        "trigger_id": f"trigger{key}",
        "container": {"type": "message", "message_ts": (message or {}).get("ts", "1.1"),
                      "channel_id": channel, "is_ephemeral": message is None},
        "channel": {"id": channel, "name": channel.lower()},
        "response_url": driver.slack.response_url(key),
        "actions": [{"action_id": action_id, "block_id": "b1", "value": value,
                     "type": "button", "action_ts": "1700000001.000200",
                     "text": {"type": "plain_text", "text": "x"}}],
    }
    if message is not None:
        payload["message"] = message
    return await driver.post(interaction_body(payload), FORM_CONTENT_TYPE), key
