"""Slack: a Bolt AsyncApp whose listeners translate Slack payloads to the domain."""

import logging
from types import ModuleType
from urllib.parse import parse_qsl

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Services
from bot.events import claim_event
from bot.outbox.sender import Builder
from handlers.slack import actions, announcements, commands, events


def _is_not_the_token_notice(record: logging.LogRecord) -> bool:
    # Bolt also reads SLACK_BOT_TOKEN itself and then says the token "will be unused", while
    # `client` was built from that very token: the notice would only mislead an operator.
    return "`token` will be unused" not in record.getMessage()


# Each capability's listeners (register(app, services)) and outbox builders (BUILDERS).
CAPABILITIES: tuple[ModuleType, ...] = (
    announcements,
)


def slack_builders() -> dict[str, Builder]:
    """Every capability's Block Kit builders for the outbox, by template name."""
    return {name: builder for module in CAPABILITIES
            for name, builder in getattr(module, "BUILDERS", {}).items()}


def build_slack_app(services: Services, client: AsyncWebClient, *,
                    socket_mode: bool = False) -> AsyncApp:
    """A Bolt app with every listener registered; `client` carries the token and retries."""

    logging.getLogger("slack_bolt.AsyncApp").addFilter(_is_not_the_token_notice)
    settings = services.settings
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode delivers over an authenticated socket: there is no signature to check.
        request_verification_enabled=not socket_mode,
        # Listeners only ack and queue their work (services.background), so Bolt can answer
        # as soon as they return instead of polling for the ack.
        process_before_response=True,
    )

    app.middleware(SkipClaimedEvents(services.desk.sessions))
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    for module in CAPABILITIES:
        module.register(app, services)
    # Registered last: Bolt runs the first listener that matches.
    actions.register_unknown(app, services)
    return app


class SkipClaimedEvents(AsyncMiddleware):
    """Slack redelivers events it thinks were missed (X-Slack-Retry-Num); the first delivery
    claims the event id, so later ones only get their 200.

    A middleware class rather than a function: Bolt then need not build every listener
    argument (say, respond, client, ...) for each request just to call it.
    """

    def __init__(self, sessions):
        self.sessions = sessions

    async def async_process(self, *, req, resp, next):
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            first = await claim_event(self.sessions, platform="slack",
                                      workspace_id=body.get("team_id") or "", event_id=event_id)
            if not first:
                return BoltResponse(status=200, body="")
        return await next()


class SlackEndpoint:
    """POST /slack/events straight into Bolt, as an ASGI app.

    Does what Bolt's Starlette adapter does for a POST (there is no OAuth flow, so no GET
    and no cookies), without building a Starlette Request and Response around Bolt's own:
    that work is a good part of the time an ack takes.
    """

    def __init__(self, app: AsyncApp):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # nobody left to answer
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        try:
            request = AsyncBoltRequest(
                # Slack sends UTF-8; anything else fails the signature check (401).
                body=body.decode("utf-8", errors="replace"),
                # Last value wins, as with Starlette's query_params and headers.
                query=dict(parse_qsl(scope["query_string"].decode("latin-1"),
                                     keep_blank_values=True)),
                headers={name.decode("latin-1"): value.decode("latin-1")
                         for name, value in scope["headers"]},
            )
        except ValueError:  # Bolt parses the body before it checks the signature
            response = BoltResponse(status=400, body="invalid request body")
        else:
            response = await self.app.async_dispatch(request)
        content = response.body.encode("utf-8")
        headers = [(name.encode("latin-1"), value.encode("latin-1"))
                   for name, values in response.headers.items() for value in values]
        headers.append((b"content-length", str(len(content)).encode("latin-1")))
        await send({"type": "http.response.start", "status": response.status,
                    "headers": headers})
        await send({"type": "http.response.body", "body": content})
