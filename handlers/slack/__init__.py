"""Slack: a Bolt AsyncApp whose listeners translate Slack payloads to the domain."""

import logging
from types import ModuleType

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Services
from bot.outbox.sender import Builder
from handlers.slack import actions, announcements, checkins, commands, events, meetings
from handlers.slack.commands import direct_commands
from handlers.slack.directory import SlackDirectory
from handlers.slack.endpoint import SlackEndpoint
from handlers.slack.middleware import CapText, SkipClaimedRequests, add_error_handler

__all__ = ["CAPABILITIES", "SlackEndpoint", "build_slack_app", "direct_commands",
           "slack_builders"]


def _is_not_the_token_notice(record: logging.LogRecord) -> bool:
    # Bolt also reads SLACK_BOT_TOKEN itself and then says the token "will be unused", while
    # `client` was built from that very token: the notice would only mislead an operator.
    return "`token` will be unused" not in record.getMessage()


# Each capability's listeners (register(app, services)) and outbox builders (BUILDERS).
CAPABILITIES: tuple[ModuleType, ...] = (
    announcements,
    checkins,
    meetings,
)


def slack_builders() -> dict[str, Builder]:
    """Every capability's Block Kit builders for the outbox, by template name."""
    return {name: builder for module in CAPABILITIES
            for name, builder in getattr(module, "BUILDERS", {}).items()}


def _claims_itself(body: dict) -> bool:
    # Questions are claimed by their listener, in the transaction that stores them.
    return events.claims_itself(body) or body.get("command") == commands.COMMAND


def build_slack_app(services: Services, client: AsyncWebClient) -> AsyncApp:
    """A Bolt app with every listener registered; `client` carries the token and retries."""

    logging.getLogger("slack_bolt.AsyncApp").addFilter(_is_not_the_token_notice)
    settings = services.settings
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Over HTTP, SlackEndpoint has checked the signature on the raw bytes (401 otherwise)
        # before Bolt sees a request; checking it again cost every ack another HMAC. Socket
        # Mode delivers over an authenticated socket: there is no signature to check.
        request_verification_enabled=False,
        # Listeners only ack and queue their work (services.background), so Bolt can answer
        # as soon as they return instead of polling for the ack.
        process_before_response=True,
        # A request no listener takes goes to the error handler (one log line, and a 200 for
        # events) instead of Bolt's warning with a page of suggested code.
        raise_error_for_unhandled_request=True,
    )

    add_error_handler(app, services)
    app.middleware(SkipClaimedRequests(services, claims_itself=_claims_itself))
    app.middleware(CapText())
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    services.directories["slack"] = SlackDirectory(app.client)
    for module in CAPABILITIES:
        module.register(app, services)
    # Registered last: Bolt runs the first listener that matches.
    actions.register_unknown(app, services)
    return app
