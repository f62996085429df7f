"""Sends what Slack sends: signed slash commands, events and button clicks, over HTTP."""

from __future__ import annotations

import asyncio
import itertools

import httpx

from tests.fakes.signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)
from tests.fakes.slack_api import FakeSlackApi

_counter = itertools.count(1)


class SlackDriver:
    def __init__(self, http: httpx.AsyncClient, bot_url: str, slack: FakeSlackApi, *,
                 secret: str, team_id: str):
        self.http, self.url, self.slack = http, f"{bot_url}/slack/events", slack
        self.secret, self.team_id = secret, team_id

    async def post(self, body: str, content_type: str, *, headers: dict | None = None,
                   secret: str | None = None, timestamp: int | None = None) -> httpx.Response:
        signed = signed_headers(body, secret or self.secret, timestamp=timestamp,
                                content_type=content_type)
        return await self.http.post(self.url, content=body, headers={**signed, **(headers or {})})

    async def command(self, text: str, *, user: str = "U1", channel: str = "C1",
                      command: str = "/vraag", **options) -> tuple[httpx.Response, str]:
        """Runs a slash command; returns the HTTP response and its response_url key."""
        key = f"cmd{next(_counter)}"
        body = slash_command_body(command, text, user_id=user, channel_id=channel,
                                  team_id=self.team_id, response_url=self.slack.response_url(key))
        return await self.post(body, FORM_CONTENT_TYPE, **options), key

    async def event(self, event: dict, *, event_id: str | None = None,
                    headers: dict | None = None) -> httpx.Response:
        body = event_body(event, team_id=self.team_id,
                          event_id=event_id or f"Ev{next(_counter):08d}")
        return await self.post(body, JSON_CONTENT_TYPE, headers=headers)

    async def click(self, action_id: str, value: str, *, user: str = "U1",
                    message: dict | None = None) -> tuple[httpx.Response, str]:
        key = f"click{next(_counter)}"
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "test"},
            "user": {"id": user, "username": "tester", "team_id": self.team_id},
            "api_app_id": "A1",
            "token": "verification-token-deprecated",
            "trigger_id": f"trigger{key}",
            "container": {"type": "message", "message_ts": "1700000000.000100",
                          "channel_id": "C1", "is_ephemeral": message is None},
            "channel": {"id": "C1", "name": "general"},
            "response_url": self.slack.response_url(key),
            "actions": [{"action_id": action_id, "block_id": "b1", "value": value,
                         "type": "button", "action_ts": "1700000001.000200",
                         "text": {"type": "plain_text", "text": "x"}}],
        }
        if message is not None:
            payload["message"] = message
        return await self.post(interaction_body(payload), FORM_CONTENT_TYPE), key

    async def responses(self, key: str, count: int = 1) -> list[dict]:
        """What the bot posted to the response_url `key` (waits for `count` posts)."""
        for _ in range(200):
            found = [c for c in self.slack.calls_to("response_url") if c.get("key") == key]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.025)
        raise AssertionError(f"no response at {key}; got {self.slack.calls_to('response_url')}")
