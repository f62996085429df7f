"""POST /slack/events: the walls in front of Bolt, then Bolt's own ASGI adapter.

In order, and each before the next step reads more: the size (413 beyond MAX_BODY_BYTES, from
Content-Length and while reading), the signature (401, checked on the raw bytes before anything
is parsed), the payload's shape (400, handlers.slack.payload). Only then does Bolt parse the
body. A refused request is logged as one short line without its body.

Bolt's adapter (slack_bolt.adapter.asgi) does the rest, rather than a copy of it: measured on
2026-11-29 with bench/endpoint_overhead.py, one signed /vraag through these walls and Bolt,
listener only acking, took a median 0.167 and 0.165 ms with the adapter, 0.167 and 0.158 ms
with the former hand-written dispatch (two runs of 6,000 requests each, interleaved); a third
run: 0.250 (adapter), 0.243 (hand-written) and 0.180 ms (Bolt's adapter without these walls).
bench/bench.py at 100 in flight, on 2 cores shared with other work, gave ack p99 78 / 172 /
55 ms (adapter) and 49 / 59 / 77 ms (hand-written) in alternating runs: no difference beyond
the noise.
"""

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from handlers.slack.payload import UnexpectedPayload, check_payload

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Slack's largest payloads (a modal's state, a message with 50 blocks) stay far below this.
MAX_BODY_BYTES = 1024 * 1024
# Slack's signatures are valid for five minutes (its retries come within that time).
SIGNATURE_MAX_AGE = 5 * 60


class SlackEndpoint:
    """An ASGI app for POST /slack/events: refuses what Slack would not send, passes the rest
    to Bolt's ASGI adapter."""

    def __init__(self, app: AsyncApp, *, signing_secret: str | None = None,
                 max_body_bytes: int = MAX_BODY_BYTES,
                 foreground: Callable[[], AbstractContextManager[None]] = nullcontext):
        """`foreground`: entered while a request is handled (BackgroundWork waits meanwhile)."""
        self.app = app
        secret = signing_secret or app._signing_secret  # what Bolt verifies with
        self.verifier = SignatureVerifier(secret) if secret else None
        self.max_body_bytes = max_body_bytes
        self.bolt = AsyncSlackRequestHandler(app, path="/slack/events")
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
        reason = self._signature_problem(bytes(body), headers)
        if reason:
            return await self._refuse(send, 401, reason)
        try:
            check_payload(body.decode("utf-8"), _content_type(headers))
        except UnexpectedPayload as problem:
            return await self._refuse(send, 400, f"signed, but not what Slack sends: {problem}")
        with self.foreground():
            await self.bolt({**scope, "path": self.bolt.path}, _replay(bytes(body)), send)

    def _signature_problem(self, body: bytes, headers: dict[str, str]) -> str | None:
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
        try:
            text = body.decode("utf-8")  # Slack sends UTF-8; anything else is not Slack's
        except UnicodeDecodeError:
            return "body is not UTF-8"
        expected = self.verifier.generate_signature(timestamp=timestamp, body=text)
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


def _declared_length(headers: dict[str, str]) -> int:
    value = headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def _content_type(headers: dict[str, str]) -> str | None:
    # As Bolt reads it (slack_bolt.request.internals.extract_content_type).
    return headers.get("content-type", "").split(";")[0] or None


def _replay(body: bytes) -> Receive:
    """The body, already read, as an ASGI receive channel for Bolt's adapter."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
