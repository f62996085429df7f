"""What runs around every listener: claims against redelivery and replay, a cap on the text
listeners analyse, and one error handler that answers instead of a 500.

The middleware are classes rather than functions: Bolt then need not build every listener
argument (say, respond, client, ...) for each request just to call them.
"""

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.background import gate_submissions
from bot.deps import Services
from bot.events import ClaimWriter, SignedRequestClaims
from bot.texts import SHARED

logger = logging.getLogger(__name__)

# Text beyond this is cut before any listener sees it. The question desk refuses questions
# over 1,000 characters anyway, so the answer stays its "too long" notice (which then counts
# 4,001 characters); but patterns and word analysis run on 4,000 characters at most, not on
# 100 kB (a mention of "<@A|" * 25000 took 8.2 s of the event loop).
MAX_TEXT_CHARS = 4000


class SkipClaimedRequests(AsyncMiddleware):
    """Slack redelivers events it thinks were missed (X-Slack-Retry-Num): the first delivery
    claims the event id, so later ones only get their 200. A slash command has no id: its
    signature is claimed for the five minutes it is valid, and the work its listener queues
    (services.background) runs only for the first of the same signed bytes. What a command's
    listener does before its ack is not gated: views.open needs a trigger_id under 3 s old, so
    a replay cannot open a modal anyway."""

    def __init__(self, services: Services, *,
                 claims_itself: Callable[[dict[str, Any]], bool] = lambda body: False):
        """`claims_itself(body)`: True for requests whose listener claims them itself, in the
        transaction that stores what they ask (so no crash falls between claim and store)."""
        self.claims = ClaimWriter(services.sessions, clock=services.clock)
        self.signatures = SignedRequestClaims(services.sessions, platform="slack-sig",
                                              clock=services.clock, writer=self.claims)
        self.claims_itself = claims_itself
        self._claiming: set[asyncio.Future[bool]] = set()

    def _claimed(self, claim: asyncio.Future[bool]) -> None:
        self._claiming.discard(claim)
        error = None if claim.cancelled() else claim.exception()
        if error is not None:
            logger.error("slack: claiming a command failed: %s", _one_line(error))

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Any) -> BoltResponse:
        body = req.body
        if self.claims_itself(body):
            first = True
        elif body.get("type") == "event_callback":
            first = await self.claims.claim(platform="slack",
                                            workspace_id=body.get("team_id") or "",
                                            event_id=body["event_id"])
        elif body.get("command"):
            signature = _first(req.headers.get("x-slack-signature"))
            if signature:
                # A replay gets its 200 like the first delivery; only the work it would queue
                # depends on the claim, so the claim need not hold up the ack.
                claim = asyncio.ensure_future(self.signatures.claim(
                    workspace_id=body.get("team_id") or "", signature=signature))
                self._claiming.add(claim)
                claim.add_done_callback(self._claimed)
                gate_submissions(claim)  # Bolt runs the listener after this returns
            first = True
        else:
            first = True
        if not first:
            return BoltResponse(status=200, body="")
        return await next()


class CapText(AsyncMiddleware):
    """Cuts the text of a command or event to MAX_TEXT_CHARS (one character more, so what
    is cut still counts as too long)."""

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Any) -> BoltResponse:
        cap_text(req.body)
        return await next()


def cap_text(body: dict) -> None:
    """CapText's cut, on a parsed body (also for commands handled without Bolt)."""
    event = body.get("event")
    for holder in (body, event if isinstance(event, dict) else {}):
        text = holder.get("text")
        if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
            holder["text"] = text[:MAX_TEXT_CHARS] + "…"


def add_error_handler(app: AsyncApp, services: Services) -> None:
    """One line in the log for anything a listener or middleware raised, and an answer Slack
    can live with instead of a 500 (error_response)."""

    async def handle_error(error: Exception, body: dict) -> BoltResponse:
        return error_response(services, error, body)

    app.error(handle_error)


def error_response(services: Services, error: Exception, body: dict) -> BoltResponse:
    """Unknown events get their 200 (Slack turns off an app's events after too many
    failures), a failed command says sorry in the default language, and a database that is
    away gets a 503 so that Slack retries."""
    kind = _kind(body)
    if isinstance(error, BoltUnhandledRequestError):
        logger.info("slack: no listener for %s", kind)
        return BoltResponse(status=200 if body.get("type") == "event_callback" else 404,
                            body="")
    logger.error("slack: %s failed: %s", kind, _one_line(error))
    if isinstance(error, OperationalError | InterfaceError | OSError | TimeoutError):
        return BoltResponse(status=503, body="")  # Slack retries; nothing was claimed
    if body.get("command"):
        return BoltResponse(status=200, body=SHARED("error", services.language))
    return BoltResponse(status=200, body="")


def _kind(body: dict) -> str:
    """What a request was, for the log: its type and command, action or event type."""
    if body.get("command"):
        return f"command {str(body['command'])[:32]}"
    event = body.get("event")
    if isinstance(event, dict):
        return f"event {str(event.get('type'))[:40]}"
    return str(body.get("type") or "request")[:40]


def _one_line(error: BaseException) -> str:
    """The error's type, a short message and where it was raised: enough to find it, with no
    traceback and no payload."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = (f" at {os.path.basename(frame.tb_frame.f_code.co_filename)}:{frame.tb_lineno}"
             if frame is not None else "")
    message = str(error).replace("\n", " ")[:120]
    return f"{error.__class__.__name__}({message}){where}"


def _first(values: Any) -> str | None:
    if isinstance(values, list | tuple):
        return values[0] if values else None
    return values
