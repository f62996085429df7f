"""A Slack-compatible Web API server on loopback for tests.

Usage::

    async with FakeSlackApi(bot_token="xoxb-test", bot_user_id="UBOT", team_id="T1") as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        await client.chat_postMessage(channel="C1", text="hoi")
        assert slack.calls_to("chat.postMessage")[0]["text"] == "hoi"
        assert slack.messages("C1")[0]["text"] == "hoi"

The server runs in the current event loop (uvicorn as an asyncio task), speaks
the wire format of slack.com/api (JSON, form-encoded or query arguments, HTTP
200 with ``ok: false`` on errors, HTTP 429 + ``Retry-After`` when rate
limited) and enforces Slack's Block Kit limits (see ``block_kit.py``), so that
a payload the real Slack would refuse fails here too.

Channels and their messages are state (``slack_state.py``, ``slack_chat.py``):
channels a test did not add with ``add_channel`` are created on first use as
public channels the bot is in, so any "C1" just works. Views, file uploads and
rate limits live in ``slack_views.py``, ``slack_files.py`` and ``slack_state.py``.

Every request is recorded in ``slack.calls`` as a ``Call`` (successful or not).
See ``README.md`` in this directory for the helper API.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .block_kit import MESSAGE_MAX_BLOCKS, MESSAGE_TEXT_MAX_CHARS, validate_blocks
from .loopback import LoopbackServer
from .slack_chat import Chat, public_copy
from .slack_files import Files
from .slack_state import (
    Call,
    Channel,
    RateLimits,
    RollingWindow,
    SlackError,
    slack_error,
    truthy,
)
from .slack_views import Views

__all__ = ["Call", "Channel", "FakeSlackApi", "SlackError", "RESPONSE_URL_METHOD"]

# Arguments that arrive as JSON strings when sent form-encoded or as query params.
_JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files")

RESPONSE_URL_METHOD = "response_url"

# The methods fail_channel affects unless told otherwise.
CHANNEL_FAILURE_METHODS = ("chat.postMessage", "chat.update", "chat.delete")
DEFAULT_WORKSPACE_RATE_METHODS = ("chat.postMessage", "chat.update", "chat.delete")


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
        # When True, channels not added with add_channel are channel_not_found.
        self.strict_channels = False
        # The rate limiter's time source; tests replace it to move time without sleeping.
        self.clock: Callable[[], float] = time.monotonic
        self.rate_limited_count = 0
        self.channels: dict[str, Channel] = {}
        self._limits = RateLimits(clock=lambda: self.clock())
        self._rate_limits: dict[str, list[int]] = defaultdict(list)
        self._failures: dict[str, list[str]] = defaultdict(list)
        # channel id -> (error, remaining times or None for always, methods)
        self._channel_failures: dict[str, tuple[str, int | None, frozenset[str]]] = {}
        self._ts_counter = itertools.count(1)
        self._loopback: LoopbackServer | None = None
        self._port: int | None = None
        self.chat = Chat(self)
        self._views = Views(self)
        self._files = Files(self)
        self._methods: dict[str, Callable[[dict], Awaitable[dict] | dict]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            **self.chat.methods(),
            **self._views.methods(),
            **self._files.methods(),
        }
        self.app = Starlette(
            routes=[
                Route("/api/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/response/{key}", self._handle_response_url, methods=["POST"]),
                Route("/upload/{file_id}", self._files.handle_upload, methods=["POST"]),
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

    def reset_calls(self) -> None:
        """Forget the recorded calls (and the 429 count); channels and messages stay."""
        self.calls.clear()
        self.rate_limited_count = 0

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

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented test API
    ) -> Any:
        """Poll ``predicate()`` until it returns something truthy; return that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"condition not met within {timeout}s (last value {value!r}). "
                    f"Calls received: {self._describe_calls()}"
                )
            await asyncio.sleep(0.01)

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP 429 + Retry-After."""
        self._rate_limits[method].extend([retry_after] * times)

    def set_channel_rate(self, method: str = "chat.postMessage", per_second: float = 1.0) -> None:
        """At most ``per_second`` calls to ``method`` per channel (rolling window)."""
        self._limits.per_channel[method] = RollingWindow(per_second)

    def set_workspace_rate(
        self,
        methods: Iterable[str] = DEFAULT_WORKSPACE_RATE_METHODS,
        per_second: float = 20.0,
    ) -> None:
        """At most ``per_second`` calls to any of ``methods`` together, across channels."""
        self._limits.workspace.append((frozenset(methods), RollingWindow(per_second)))

    def clear_rate_limits(self) -> None:
        self._limits.per_channel.clear()
        self._limits.workspace.clear()
        self._rate_limits.clear()

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next ``times`` (authenticated) calls to ``method`` with ok:false ``error``."""
        self._failures[method].extend([error] * times)

    def fail_channel(
        self,
        channel_id: str,
        error: str,
        times: int | None = None,
        methods: Iterable[str] = CHANNEL_FAILURE_METHODS,
    ) -> None:
        """Answer calls to ``methods`` for this channel with ``error`` (``times`` None: always).

        ``internal_error`` and ``fatal_error`` come back as HTTP 500, like on Slack.
        """
        key = self._dm_channel(channel_id)
        self._channel_failures[key] = (error, times, frozenset(methods))

    def clear_channel_failure(self, channel_id: str) -> None:
        self._channel_failures.pop(self._dm_channel(channel_id), None)

    def add_channel(
        self,
        id: str,  # noqa: A002 - Slack's own name for it
        *,
        name: str | None = None,
        is_private: bool = False,
        is_archived: bool = False,
        members: Iterable[str] = (),
        bot_is_member: bool = True,
        is_im: bool = False,
        exists: bool = True,
        restricted: bool = False,
    ) -> Channel:
        """Declare a channel. ``exists=False``: a channel the workspace does not have;
        ``restricted=True``: posting is refused with ``restricted_action``."""
        channel = Channel(
            id=id,
            name=name or id.lower(),
            is_private=is_private,
            is_archived=is_archived,
            is_im=is_im or id.startswith("D"),
            exists=exists,
            bot_is_member=bot_is_member,
            restricted=restricted,
            members=list(members),
        )
        self.channels[id] = channel
        return channel

    def channel(self, channel_id: str) -> Channel:
        """The channel's state (created like on first use if the test never mentioned it)."""
        return self._channel(self._dm_channel(channel_id))

    def messages(self, channel_id: str) -> list[dict]:
        """Current messages (not deleted) in a channel, oldest first, thread replies included."""
        channel = self.channel(channel_id)
        return [public_copy(m) for m in channel.messages if not m.get("deleted")]

    def ephemerals(self, channel_id: str, user: str | None = None) -> list[dict]:
        """Ephemeral messages shown in a channel (to ``user`` only, when given)."""
        channel = self.channel(channel_id)
        return [dict(e) for e in channel.ephemerals if user is None or e["user"] == user]

    def add_message(
        self, channel_id: str, text: str, *, user: str = "U1", thread_ts: str | None = None,
        **fields: Any,
    ) -> dict:
        """A message someone else wrote, e.g. to read back with conversations.history."""
        ts = fields.pop("ts", None) or self.next_ts()
        message = {"type": "message", "user": user, "text": text, "ts": ts, "team": self.team_id}
        if thread_ts:
            message["thread_ts"] = thread_ts
        message.update(fields)
        return public_copy(self.chat.store(self.channel(channel_id), message))

    @property
    def views(self) -> dict[str, dict]:
        """Views opened, pushed or published, by view id, as currently shown."""
        return self._views.by_id

    @property
    def home_views(self) -> dict[str, dict]:
        """The published home tab per user id."""
        return self._views.home

    @property
    def files(self) -> list[dict]:
        """Completed uploads: id, filename, title, bytes, channels, initial_comment, ..."""
        return self._files.shared

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
    # channel state used by the method handlers

    def _dm_channel(self, channel: str) -> str:
        # Posting to a user ID lands in the bot's DM with that user.
        return "D" + channel if channel[:1] in ("U", "W") else channel

    def _channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            channel = Channel(id=channel_id, name=channel_id.lower(), is_im=channel_id[:1] == "D")
            self.channels[channel_id] = channel
        return channel

    def resolve_channel(self, channel_id: str) -> Channel:
        """The channel a request names, or ``channel_not_found``."""
        channel_id = self._dm_channel(str(channel_id))
        if self.strict_channels and channel_id not in self.channels:
            raise SlackError("channel_not_found")
        channel = self._channel(channel_id)
        if not channel.exists:
            raise SlackError("channel_not_found")
        return channel

    def postable_channel(self, channel_id: str) -> Channel:
        """The channel if the bot may post there, else the error Slack gives."""
        channel = self.resolve_channel(channel_id)
        if channel.is_archived:
            raise SlackError("is_archived")
        if not channel.bot_is_member and not channel.is_im:
            raise SlackError("not_in_channel")
        if channel.restricted:
            raise SlackError("restricted_action")
        return channel

    def next_ts(self) -> str:
        micros = 1_700_000_000_000_000 + next(self._ts_counter) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel_failure(self, method: str, args: dict) -> SlackError | None:
        channel = args.get("channel") or args.get("channel_id")
        if not channel:
            return None
        key = self._dm_channel(str(channel))
        failure = self._channel_failures.get(key)
        if failure is None or method not in failure[2]:
            return None
        error, times, methods = failure
        if times is not None:
            if times <= 1:
                del self._channel_failures[key]
            else:
                self._channel_failures[key] = (error, times - 1, methods)
        return slack_error(error)

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
        channel = args.get("channel") or args.get("channel_id")
        retry_after = self._limits.check(
            method, self._dm_channel(str(channel)) if channel else None
        )
        if retry_after is not None:
            return self._reply(
                method, args, SlackError("ratelimited", status=429), retry_after=retry_after
            )
        failures = self._failures.get(method)
        if failures:
            return self._reply(method, args, slack_error(failures.pop(0)))
        channel_failure = self._channel_failure(method, args)
        if channel_failure is not None:
            return self._reply(method, args, channel_failure)
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
            if outcome.status == 429:
                self.rate_limited_count += 1
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
            self.rate_limited_count += 1
            return PlainTextResponse(
                "rate_limited", status_code=429, headers={"Retry-After": str(retry_after)}
            )
        try:
            if not truthy(payload.get("delete_original", False)):
                self.check_message(payload)
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
    # shared checks

    def check_message(self, args: dict) -> None:
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

    # ------------------------------------------------------------------
    # methods without channel state

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
        if truthy(args.get("include_locale", False)):
            user["locale"] = locale
        return {"user": user}
