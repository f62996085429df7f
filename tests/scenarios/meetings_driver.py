"""Signed meeting interactions as Slack sends them: modal submissions, clicks inside a modal
or on a message, select choices. Builds on tests/fakes (signing) and the SlackDriver."""

import itertools
import json
from datetime import date, datetime

from handlers.slack import meetings_ids as ids
from tests.fakes.driver import SlackDriver
from tests.fakes.signing import FORM_CONTENT_TYPE, interaction_body

_counter = itertools.count(1)


def value(text: str | None) -> dict:
    return {ids.VALUE: {"type": "plain_text_input", "value": text}}


def session_values(index: int, day: date | None, start: str | None, end: str | None,
                   location: str = "", capacity: str = "10") -> dict:
    block = ids.session_block
    return {
        block(index, "day"): {ids.VALUE: {"type": "datepicker",
                                          "selected_date": day.isoformat() if day else None}},
        block(index, "start"): {ids.VALUE: {"type": "timepicker", "selected_time": start}},
        block(index, "end"): {ids.VALUE: {"type": "timepicker", "selected_time": end}},
        block(index, "location"): value(location),
        block(index, "capacity"): value(capacity),
    }


def meeting_values(*, title: str = "Kennismaking", channels=("C1",),
                   deadline: datetime | None = None, sessions=(), mandatory=False) -> dict:
    values = {
        ids.TITLE_BLOCK: value(title),
        ids.DESCRIPTION_BLOCK: value("Over het convenant"),
        ids.AGENDA_BLOCK: value("1. Presentatie\n2. Groepen"),
        ids.PRACTICAL_BLOCK: value("Koffie en naambordjes"),
        ids.MANDATORY_BLOCK: {ids.VALUE: {"type": "checkboxes", "selected_options": (
            [{"value": "mandatory"}] if mandatory else [])}},
        ids.DEADLINE_BLOCK: {ids.VALUE: {"type": "datetimepicker", "selected_date_time": (
            int(deadline.timestamp()) if deadline else None)}},
        ids.CHANNELS_BLOCK: {ids.VALUE: {"type": "multi_conversations_select",
                                         "selected_conversations": list(channels)}},
    }
    for index, session in enumerate(sessions):
        values.update(session_values(index, *session))
    return values


class MeetingDriver:
    def __init__(self, slack: SlackDriver):
        self.slack = slack

    def _base(self, kind: str, user: str) -> dict:
        return {"type": kind, "team": {"id": self.slack.team_id, "domain": "test"},
                "user": {"id": user, "username": f"name-{user}", "name": f"name-{user}",
                         "team_id": self.slack.team_id},
                "api_app_id": "A1", "token": "verification-token-deprecated",
                "trigger_id": f"trigger{next(_counter)}"}

    async def submit(self, callback_id: str, values: dict, *, user: str,
                     metadata: dict | None = None) -> dict:
        """A view_submission; returns the JSON the bot answered with ({} for a plain ack)."""
        payload = self._base("view_submission", user)
        payload["view"] = {"id": f"V{next(_counter)}", "type": "modal",
                           "callback_id": callback_id, "hash": "h",
                           "private_metadata": json.dumps(metadata or {}),
                           "state": {"values": values}}
        response = await self.slack.post(interaction_body(payload), FORM_CONTENT_TYPE)
        assert response.status_code == 200, response.text
        return response.json() if response.content else {}

    async def click_in_view(self, action_id: str, value: str, view: dict, *, user: str,
                            values: dict) -> None:
        payload = self._base("block_actions", user)
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = {**view, "state": {"values": values}}
        payload["actions"] = [{"action_id": action_id, "block_id": ids.ADD_SESSION_BLOCK,
                               "value": value, "type": "button",
                               "action_ts": "1700000001.000200"}]
        response = await self.slack.post(interaction_body(payload), FORM_CONTENT_TYPE)
        assert response.status_code == 200, response.text

    async def click(self, action_id: str, value: str, *, user: str,
                    selected: str | None = None, trigger: str | None = None,
                    key: str | None = None) -> str:
        """A click on a message (a button, or a select when `selected`); returns the
        response_url key its answer goes to. The same `trigger` and `key` again make the
        request Slack sends when it retries a click."""
        key = key or f"meet{next(_counter)}"
        payload = self._base("block_actions", user)
        if trigger is not None:
            payload["trigger_id"] = trigger
        payload.update({
            "container": {"type": "message", "message_ts": "1700000000.000100",
                          "channel_id": "C1", "is_ephemeral": False},
            "channel": {"id": "C1", "name": "general"},
            "response_url": self.slack.slack.response_url(key),
        })
        action = {"action_id": action_id, "block_id": "b1", "type": "button", "value": value,
                  "action_ts": "1700000001.000200"}
        if selected is not None:
            action = {**action, "type": "static_select",
                      "selected_option": {"value": selected,
                                          "text": {"type": "plain_text", "text": selected}}}
        payload["actions"] = [action]
        response = await self.slack.post(interaction_body(payload), FORM_CONTENT_TYPE)
        assert response.status_code == 200, response.text
        return key

    async def answer(self, key: str) -> dict:
        return (await self.slack.responses(key))[-1]
