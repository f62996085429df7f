"""A Slack-compatible Web API server on loopback for tests.

Usage::

    async with FakeSlackApi(bot_token="xoxb-test", bot_user_id="UBOT", team_id="T1") as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C1", text="hoi")
        assert slack.calls_to("chat.postMessage")[0]["text"] == "hoi"

The server runs in the current event loop (uvicorn as an asyncio task), speaks
the wire format of slack.com/api (JSON, form-encoded or query arguments, HTTP
200 with ``ok: false`` on errors, HTTP 429 + ``Retry-After`` when rate
limited) and enforces Slack's Block Kit limits (see ``block_kit.py``), so that
a payload the real Slack would refuse fails here too.

Every request is recorded in ``slack.calls`` as a ``Call`` (successful or not).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .block_kit import (
    MESSAGE_MAX_BLOCKS,
    MESSAGE_TEXT_MAX_CHARS,
    validate_blocks,
    validate_view,
)
from .loopback import LoopbackServer

# Arguments that arrive as JSON strings when sent form-encoded or as query params.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata")

RESPONSE_URL_METHOD = "response_url"


@dataclass
class Call:
    """One request the fake received."""

    method: str
    args: dict
    ok: bool
    error: str | None = None
    errors: list[str] = field(default_factory=list)  # details, e.g. for invalid_blocks
    status: int = 200


class SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *, errors: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error = error
        self.errors = errors or []
        self.status = status


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _require(args: dict, *names: str, error: str = "invalid_arguments") -> None:
    missing = [name for name in names if args.get(name) in (None, "")]
    if missing:
        raise SlackError(error, errors=[f"missing required field: {name}" for name in missing])


class FakeSlackApi:
    """Slack Web API + response_url endpoint on 127.0.0.1 (random port)."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        bot_user_id: str = "UBOT",
        team_id: str = "T1",
        bot_id: str = "B1",
        app_id: str = "A1",
    ) -> None:
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.calls: list[Call] = []
        # Per-user overrides merged into users.info answers, e.g.
        # slack.users["U2"] = {"locale": "en-US", "tz": "Europe/London"}.
        self.users: dict[str, dict] = {}
        self._rate_limits: dict[str, list[int]] = defaultdict(list)
        self._failures: dict[str, list[str]] = defaultdict(list)
        self._reactions: set[tuple[str, str, str]] = set()
        self._ts_counter = itertools.count(1)
        self._view_counter = itertools.count(1)
        self._loopback: LoopbackServer | None = None
        self._port: int | None = None
        self._methods: dict[str, Callable[[dict], Awaitable[dict] | dict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "reactions.add": self._reactions_add,
        }
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/response/{key}", self._handle_response_url, methods=["POST"]),
            ]
        )

    # ------------------------------------------------------------------
    # lifecycle

    async def __aenter__(self) -> FakeSlackApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._loopback = LoopbackServer(self.app, "fake-slack-api")
        await self._loopback.start()
        self._port = self._loopback.port

    async def stop(self) -> None:
        if self._loopback is not None:
            await self._loopback.stop()
            self._loopback = None

    # ------------------------------------------------------------------
    # public helpers for tests

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlackApi is not running (use `async with`)")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    def calls_to(self, method: str) -> list[dict]:
        """Args of the successful calls to ``method`` ("response_url" for response urls)."""
        return [call.args for call in self.calls if call.method == method and call.ok]

    def failed_calls(self) -> list[Call]:
        return [call for call in self.calls if not call.ok]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented test API
    ) -> list[dict]:
        """Wait until ``count`` successful calls to ``method`` arrived; return their args."""
        deadline = time.monotonic() + timeout
        while True:
            arrived = self.calls_to(method)
            if len(arrived) >= count:
                return arrived
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} successful {method} call(s) within {timeout}s, "
                    f"got {len(arrived)}. Calls received: {self._describe_calls()}"
                )
            await asyncio.sleep(0.01)

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP 429 + Retry-After."""
        self._rate_limits[method].extend([retry_after] * times)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next ``times`` (authenticated) calls to ``method`` with ok:false ``error``."""
        self._failures[method].extend([error] * times)

    def _describe_calls(self) -> str:
        if not self.calls:
            return "none"
        parts = []
        for call in self.calls:
            outcome = "ok" if call.ok else f"error={call.error}"
            detail = f" {call.errors}" if call.errors else ""
            parts.append(f"\n  - {call.method} ({outcome}){detail}")
        return "".join(parts)

    # ------------------------------------------------------------------
    # HTTP plumbing

    async def _handle_api(self, request: Request) -> Response:
        method = request.path_params["method"]
        try:
            args = await self._read_args(request)
        except ValueError:
            return self._reply(method, {}, SlackError("invalid_json"))
        token = self._extract_token(request, args)

        queued = self._rate_limits.get(method)
        if queued:
            retry_after = queued.pop(0)
            return self._reply(
                method, args, SlackError("ratelimited", status=429), retry_after=retry_after
            )
        if not token:
            return self._reply(method, args, SlackError("not_authed"))
        if token != self.bot_token:
            return self._reply(method, args, SlackError("invalid_auth"))
        handler = self._methods.get(method)
        if handler is None:
            return self._reply(method, args, SlackError("unknown_method"))
        failures = self._failures.get(method)
        if failures:
            return self._reply(method, args, SlackError(failures.pop(0)))
        try:
            result = handler(args)
            if asyncio.iscoroutine(result):
                result = await result
        except SlackError as exc:
            return self._reply(method, args, exc)
        return self._reply(method, args, result)

    async def _read_args(self, request: Request) -> dict:
        args: dict[str, Any] = dict(request.query_params)
        body = await request.body()
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if body:
            if content_type == "application/json":
                decoded = json.loads(body)
                if not isinstance(decoded, dict):
                    raise ValueError("JSON body must be an object")
                args.update(decoded)
            else:
                form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                args.update(form)
        for name in _JSON_ARGS:
            value = args.get(name)
            if isinstance(value, str) and value:
                try:
                    args[name] = json.loads(value)
                except json.JSONDecodeError:
                    pass  # left as a string; validation reports it
        return args

    @staticmethod
    def _extract_token(request: Request, args: dict) -> str | None:
        body_token = args.pop("token", None)
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip() or None
        return body_token or None

    def _reply(
        self,
        method: str,
        args: dict,
        outcome: dict | SlackError,
        *,
        retry_after: int | None = None,
    ) -> Response:
        if isinstance(outcome, SlackError):
            self.calls.append(
                Call(
                    method,
                    args,
                    ok=False,
                    error=outcome.error,
                    errors=outcome.errors,
                    status=outcome.status,
                )
            )
            body: dict[str, Any] = {"ok": False, "error": outcome.error}
            if outcome.errors:
                body["errors"] = outcome.errors
                body["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in outcome.errors]}
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            return JSONResponse(body, status_code=outcome.status, headers=headers)
        self.calls.append(Call(method, args, ok=True))
        return JSONResponse({"ok": True, **outcome})

    # ------------------------------------------------------------------
    # response_url

    async def _handle_response_url(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            payload = json.loads(await request.body())
            if not isinstance(payload, dict):
                raise ValueError
        except ValueError:
            return self._response_url_error({"key": key}, SlackError("invalid_payload", status=400))
        args = {**payload, "key": key}

        queued = self._rate_limits.get(RESPONSE_URL_METHOD)
        if queued:
            retry_after = queued.pop(0)
            self.calls.append(
                Call(RESPONSE_URL_METHOD, args, ok=False, error="ratelimited", status=429)
            )
            return PlainTextResponse(
                "rate_limited", status_code=429, headers={"Retry-After": str(retry_after)}
            )
        try:
            if not _truthy(payload.get("delete_original", False)):
                self._check_message(payload)
        except SlackError as exc:
            exc.status = 400
            return self._response_url_error(args, exc)
        self.calls.append(Call(RESPONSE_URL_METHOD, args, ok=True))
        return PlainTextResponse("ok")

    def _response_url_error(self, args: dict, exc: SlackError) -> Response:
        self.calls.append(
            Call(
                RESPONSE_URL_METHOD, args, ok=False, error=exc.error, errors=exc.errors, status=400
            )
        )
        body: dict[str, Any] = {"ok": False, "error": exc.error}
        if exc.errors:
            body["errors"] = exc.errors
        return JSONResponse(body, status_code=400)

    # ------------------------------------------------------------------
    # shared checks and builders

    def _check_message(self, args: dict) -> None:
        """Slack's checks on a message payload: content present, text length, blocks."""
        text = args.get("text")
        blocks = args.get("blocks")
        attachments = args.get("attachments")
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX_CHARS:
            raise SlackError(
                "msg_too_long", errors=[f"text: must be <= {MESSAGE_TEXT_MAX_CHARS} chars"]
            )
        errors: list[str] = []
        if blocks is not None and blocks != "":
            if not isinstance(blocks, list):
                raise SlackError("invalid_blocks_format", errors=["blocks: must be a JSON array"])
            errors += validate_blocks(blocks, max_blocks=MESSAGE_MAX_BLOCKS)
        if isinstance(attachments, list):
            for i, attachment in enumerate(attachments):
                if isinstance(attachment, dict) and "blocks" in attachment:
                    errors += validate_blocks(
                        attachment["blocks"],
                        max_blocks=MESSAGE_MAX_BLOCKS,
                        path=f"attachments[{i}].blocks",
                    )
        elif attachments not in (None, ""):
            raise SlackError("invalid_attachments", errors=["attachments: must be a JSON array"])
        if errors:
            raise SlackError("invalid_blocks", errors=errors)

    def _check_view(self, view: Any, expected_type: str) -> dict:
        if view in (None, ""):
            raise SlackError("invalid_arguments", errors=["missing required field: view"])
        errors = validate_view(view, expected_type=expected_type)
        if errors:
            raise SlackError("invalid_blocks", errors=errors)
        return view

    def _next_ts(self) -> str:
        micros = 1_700_000_000_000_000 + next(self._ts_counter) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _dm_channel(self, channel: str) -> str:
        # Posting to a user ID lands in the bot's DM with that user.
        return "D" + channel if channel[:1] in ("U", "W") else channel

    def _message(self, args: dict, ts: str) -> dict:
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text") or "",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                message[key] = args[key]
        return message

    def _view(self, view: dict) -> dict:
        view_id = f"V{next(self._view_counter):08d}"
        return {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{view_id}",
            "root_view_id": view_id,
            "previous_view_id": None,
            **view,
        }

    # ------------------------------------------------------------------
    # methods

    def _auth_test(self, args: dict) -> dict:
        return {
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "convenantbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict) -> dict:
        _require(args, "channel", error="channel_not_found")
        self._check_message(args)
        ts = self._next_ts()
        return {
            "channel": self._dm_channel(args["channel"]),
            "ts": ts,
            "message": self._message(args, ts),
        }

    def _chat_post_ephemeral(self, args: dict) -> dict:
        _require(args, "channel", error="channel_not_found")
        _require(args, "user", error="user_not_in_channel")
        self._check_message(args)
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: dict) -> dict:
        _require(args, "channel", error="channel_not_found")
        _require(args, "ts", error="message_not_found")
        self._check_message(args)
        return {
            "channel": args["channel"],
            "ts": args["ts"],
            "text": args.get("text") or "",
            "message": self._message(args, args["ts"]),
        }

    def _chat_delete(self, args: dict) -> dict:
        _require(args, "channel", error="channel_not_found")
        _require(args, "ts", error="message_not_found")
        return {"channel": args["channel"], "ts": args["ts"]}

    def _views_publish(self, args: dict) -> dict:
        _require(args, "user_id")
        view = self._check_view(args.get("view"), "home")
        return {"view": self._view(view)}

    def _views_open(self, args: dict) -> dict:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise SlackError("invalid_arguments", errors=["missing required field: trigger_id"])
        view = self._check_view(args.get("view"), "modal")
        return {"view": self._view(view)}

    def _conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            return {"no_op": True, "already_open": True, "channel": {"id": args["channel"]}}
        users = args.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            raise SlackError("users_list_not_supplied")
        user_ids = [u.strip() for u in users.split(",") if u.strip()]
        if len(user_ids) == 1:
            channel_id = "D" + user_ids[0]
        else:
            channel_id = "G" + "".join(sorted(user_ids))
        return {"no_op": False, "already_open": False, "channel": {"id": channel_id}}

    def _users_info(self, args: dict) -> dict:
        user_id = args.get("user")
        if not user_id or user_id[:1] not in ("U", "W"):
            raise SlackError("user_not_found")
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": user_id.lower(),
            "real_name": f"User {user_id}",
            "deleted": False,
            "is_bot": user_id == self.bot_user_id,
            "is_admin": False,
            "tz": "Europe/Amsterdam",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": {"real_name": f"User {user_id}", "display_name": user_id.lower()},
        }
        user.update(self.users.get(user_id, {}))
        locale = user.pop("locale", "nl-NL")
        # Like Slack: the locale is only returned when asked for.
        if _truthy(args.get("include_locale", False)):
            user["locale"] = locale
        return {"user": user}

    def _reactions_add(self, args: dict) -> dict:
        _require(args, "channel", error="channel_not_found")
        _require(args, "timestamp", error="message_not_found")
        _require(args, "name", error="invalid_name")
        key = (args["channel"], args["timestamp"], args["name"])
        if key in self._reactions:
            raise SlackError("already_reacted")
        self._reactions.add(key)
        return {}
