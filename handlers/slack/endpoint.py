"""POST /slack/events: the walls in front of Bolt, then Bolt's own request and dispatch.

In order, and each before the next step reads more: the size (413 beyond MAX_BODY_BYTES, from
Content-Length and while reading), the signature (401, checked on the raw bytes before anything
is parsed), the payload's shape (400, handlers.slack.payload, on the body as Bolt parsed it).
Only then does Bolt dispatch. A refused request is logged as one short line without its body.

This does what Bolt's ASGI adapter (slack_bolt.adapter.asgi) does after reading the body:
build an AsyncBoltRequest, `app.async_dispatch` it, and send Bolt's AsgiHttpResponse. Handing
the body to the adapter instead made Bolt parse it a second time, after the shape check had
parsed it: 13% of the server's CPU at 100 /vraag in flight (py-spy, 2026-11-29).

The slash commands in `commands` (/vraag) skip Bolt altogether: parsed as a form, checked,
and handed to their function, which stores the request before the 200. Bolt's dispatch
(middleware, listener matching, a Web API client per request, argument building) took 40% of
the server's CPU at 100 /vraag in flight. With both changes, bench/bench.py at 100 in flight
went from ack p50/p99 70/78 and 73/120 ms to 25/28 and 21/23 ms (alternating runs,
2026-11-29; f6499e0, before the walls and the durable requests: 35/75 and 34/45 ms).
"""

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import unquote_plus

from slack_bolt import BoltResponse
from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_sdk.signature import SignatureVerifier

from handlers.slack.commands import DirectCommand
from handlers.slack.payload import Command, UnexpectedPayload, check_payload

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Slack's largest payloads (a modal's state, a message with 50 blocks) stay far below this.
MAX_BODY_BYTES = 1024 * 1024
# Slack's signatures are valid for five minutes (its retries come within that time).
SIGNATURE_MAX_AGE = 5 * 60
FORM = "application/x-www-form-urlencoded"
NOT_SLACKS = "signed, but not what Slack sends"  # the start of each 400's reason


class SlackEndpoint:
    """An ASGI app for POST /slack/events: refuses what Slack would not send, passes the rest
    to Bolt."""

    def __init__(self, app: AsyncApp, *, signing_secret: str | None = None,
                 max_body_bytes: int = MAX_BODY_BYTES,
                 foreground: Callable[[], AbstractContextManager[None]] = nullcontext,
                 commands: Mapping[str, DirectCommand] | None = None):
        """`foreground`: entered while a request is handled (BackgroundWork waits meanwhile);
        `commands`: slash commands handled by these functions instead of Bolt's listeners."""
        self.commands = dict(commands or {})
        self.app = app
        secret = signing_secret or app._signing_secret  # what Bolt verifies with
        self.verifier = SignatureVerifier(secret) if secret else None
        self.max_body_bytes = max_body_bytes
        self.foreground = foreground

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1")
                   for name, value in scope["headers"]}
        if _declared_length(headers) > self.max_body_bytes:
            return await self._refuse(send, 413, "body larger than the limit (Content-Length)")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # nobody left to answer
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                return await self._refuse(send, 413, "body larger than the limit")
            if not message.get("more_body", False):
                break
        try:
            text = body.decode("utf-8")  # Slack sends UTF-8; anything else is not Slack's
        except UnicodeDecodeError:
            return await self._refuse(send, 401, "body is not UTF-8")
        reason = self._signature_problem(text, headers)
        if reason:
            return await self._refuse(send, 401, reason)
        direct = self._direct_command(text, headers)
        if direct is not None:
            return await self._handle_directly(direct, text, headers, send)
        try:
            # Bolt parses the body here, and reads its ids, as it would inside its adapter.
            request = AsyncBoltRequest(body=text, headers=headers,
                                       query=scope.get("query_string", b"").decode("latin-1"))
        except Exception as problem:  # noqa: BLE001  (any shape Bolt cannot read is not Slack's)
            return await self._refuse(send, 400, f"{NOT_SLACKS}: {problem.__class__.__name__}")
        if not request.body and text and headers.get("content-type", "").startswith(FORM):
            _read_as_a_form(request, text)
        try:
            check_payload(request.body)
        except UnexpectedPayload as problem:
            return await self._refuse(send, 400, f"{NOT_SLACKS}: {problem}")
        with self.foreground():
            answer = await self.app.async_dispatch(request)
        await _respond(send, answer)

    def _direct_command(self, text: str, headers: dict[str, str]) -> DirectCommand | None:
        """The function that handles this request's slash command, if it is one of those."""
        if not self.commands or not headers.get("content-type", "").startswith(FORM):
            return None
        return self.commands.get(unquote_plus(_form_field(text, "command") or ""))

    async def _handle_directly(self, handle: DirectCommand, text: str, headers: dict[str, str],
                               send: Send) -> None:
        # Not Bolt's parse_body: it reads any form body with "payload" in it as an
        # interaction, so a question about a "payload" came out as {}.
        command = _parse_form(text)
        try:
            check_payload(command, Command)
        except UnexpectedPayload as problem:
            return await self._refuse(send, 400, f"{NOT_SLACKS}: {problem}")
        with self.foreground():
            answer = await handle(command, headers.get("x-slack-signature", ""))
        await _respond(send, answer)

    def _signature_problem(self, body: str, headers: dict[str, str]) -> str | None:
        """Why the request is not Slack's, or None when it is."""
        if self.verifier is None:
            return "no signing secret configured"
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp or not signature:
            return "unsigned"
        if len(timestamp) > 12 or not timestamp.isascii() or not timestamp.isdigit():
            return "timestamp is not a number"
        if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE:
            return "timestamp older than five minutes"
        expected = self.verifier.generate_signature(timestamp=timestamp, body=body)
        if expected is None or not hmac.compare_digest(expected.encode(), signature.encode()):
            return "bad signature"
        return None

    @staticmethod
    async def _refuse(send: Send, status: int, reason: str) -> None:
        logger.warning("slack request refused (%d): %s", status, reason)
        content = reason.encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(content)).encode("latin-1"))]})
        await send({"type": "http.response.body", "body": content})


async def _respond(send: Send, answer: BoltResponse) -> None:
    response = AsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
    await send(response.get_response_start())
    await send(response.get_response_body())


def _read_as_a_form(request: AsyncBoltRequest, text: str) -> None:
    """Bolt's parse_body reads any form body that contains "payload" as an interaction, and a
    slash command whose text says "payload" came out as {} ("no listener"): such a body is
    read as the form it is, and Bolt's context (team, user, channel) read from it again."""
    form = _parse_form(text)
    if "payload" not in form:
        request.body = form
        request.context = build_async_context(AsyncBoltContext({}), form)


def _parse_form(body: str) -> dict[str, str]:
    """A form body as `dict(parse_qsl(body, keep_blank_values=True))` gives it (Slack sends
    each field once), without parse_qsl's general work (its checks and separators cost 15% of
    the server's CPU at 100 /vraag in flight; py-spy, 2026-11-29): 32 instead of 53 µs."""
    fields = {}
    for pair in body.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            fields[unquote_plus(name)] = unquote_plus(value)
    return fields


def _form_field(body: str, name: str) -> str | None:
    """One field of a form body, still URL-encoded (Slack sends each field once)."""
    key = f"{name}="
    start = 0 if body.startswith(key) else body.find(f"&{key}") + 1
    if start == 0 and not body.startswith(key):
        return None
    start += len(key)
    end = body.find("&", start)
    return body[start:] if end < 0 else body[start:end]


def _declared_length(headers: dict[str, str]) -> int:
    value = headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0
