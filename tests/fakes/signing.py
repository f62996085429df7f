"""Build and sign the HTTP requests Slack sends to an app.

Slack signs each request with ``v0=HMAC-SHA256(signing_secret, "v0:{ts}:{body}")``
in ``X-Slack-Signature`` and sends the timestamp in ``X-Slack-Request-Timestamp``
(https://docs.slack.dev/authentication/verifying-requests-from-slack).
Sign exactly the bytes you send.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"


def signed_headers(
    body: bytes | str,
    secret: str,
    *,
    timestamp: int | None = None,
    content_type: str | None = None,
) -> dict[str, str]:
    """``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` for ``body``.

    ``timestamp`` defaults to now (Bolt rejects requests older than 5 minutes).
    Pass ``content_type`` to also get a ``Content-Type`` header.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret=secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


def slash_command_body(
    command: str,
    text: str,
    *,
    user_id: str,
    channel_id: str,
    team_id: str,
    response_url: str,
    trigger_id: str = "t1",
    user_name: str = "tester",
    channel_name: str = "general",
    team_domain: str = "test",
    api_app_id: str = "A1",
) -> str:
    """Form-encoded body of a slash command invocation, as Slack posts it."""
    return urlencode(
        {
            "token": "verification-token-deprecated",
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def interaction_body(payload: dict) -> str:
    """Form-encoded ``payload=<json>`` body of an interaction (block_actions, view_submission)."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(
    event: dict,
    *,
    team_id: str,
    event_id: str,
    api_app_id: str = "A1",
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
) -> str:
    """JSON ``event_callback`` envelope of the Events API around ``event``."""
    return json.dumps(
        {
            "token": "verification-token-deprecated",
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()) if event_time is None else event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event_id}",
        }
    )


def url_verification_body(challenge: str) -> str:
    """JSON body of the Events API URL verification handshake."""
    return json.dumps(
        {
            "token": "verification-token-deprecated",
            "challenge": challenge,
            "type": "url_verification",
        }
    )
