"""Slack: a Bolt AsyncApp whose listeners translate Slack payloads to the domain."""

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.events import claim_event


def build_slack_app(services, client: AsyncWebClient, *, socket_mode: bool = False) -> AsyncApp:
    """A Bolt app with every listener registered; `client` carries the token and retries."""
    from handlers.slack import actions, commands, events

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

    async def skip_claimed_events(body, next):
        # Slack redelivers events it thinks were missed (X-Slack-Retry-Num); the first
        # delivery claims the event id, so later ones only get their 200.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            team = body.get("team_id") or ""
            first = await claim_event(services.desk.sessions, platform="slack",
                                      workspace_id=team, event_id=event_id)
            if not first:
                return BoltResponse(status=200, body="")
        await next()

    app.middleware(skip_claimed_events)
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    return app
