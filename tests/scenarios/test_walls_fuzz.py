"""Fuzzing POST /slack/events: random bodies, payload shapes and headers, signed and unsigned.
Whatever arrives, the answer is never a 5xx and the log never holds a traceback."""

import json
import time
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SIGNING_SECRET, TEAM
from tests.fakes.signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, signed_headers

KEYS = ["type", "event", "event_id", "team_id", "team", "user", "user_id", "channel",
        "channel_id", "authorizations", "actions", "action_id", "view", "command", "text",
        "ts", "thread_ts", "enterprise", "enterprise_id", "message", "callback_id", "value",
        "block_id", "is_enterprise_install", "channel_type", "subtype", "bot_id", "token",
        "response_urls", "state", "private_metadata", "item", "challenge"]
TYPES = ["event_callback", "block_actions", "view_submission", "view_closed", "shortcut",
         "message_action", "url_verification", "ssl_check", "app_mention", "message",
         "app_uninstalled", "tokens_revoked", "plain_text", "button"]
ACTION_IDS = ["feedback_helpful", "feedback_unhelpful", "show_topic_0", "unknown"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**20, max_value=10**30),
    st.floats(allow_nan=False), st.text(max_size=30), st.sampled_from(TYPES + ACTION_IDS),
    st.just("<@A|" * 200), st.just(TEAM), st.just("99999999999999999999999"))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=12)


@st.composite
def payloads(draw, response_url: str) -> dict:
    """An object shaped like something Slack sends, with some fields of the wrong type."""
    kind = draw(st.sampled_from(["event", "action", "view", "command", "any"]))
    payload: dict = draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4))
    if kind == "event":
        event = {"type": draw(st.sampled_from(TYPES)), "user": "U1", "channel": "C1",
                 "ts": "1700000000.000100", "text": draw(st.text(max_size=50))}
        event.update(draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3)))
        payload = {"type": "event_callback", "team_id": TEAM, "api_app_id": "A1",
                   "event_id": f"Ev{draw(st.integers(0, 10**9))}",
                   "event": draw(st.one_of(st.just(event), json_values)), **payload}
    elif kind == "action":
        # A value beyond any question id has a test of its own (test_walls_slack.py).
        action = {"action_id": draw(st.sampled_from(ACTION_IDS)), "block_id": "b1",
                  "value": draw(st.one_of(st.text(max_size=30), json_values.filter(
                      lambda value: value != "99999999999999999999999"))), "type": "button"}
        payload = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U1"},
                   "actions": draw(st.one_of(st.just([action]), json_values)), **payload}
        if draw(st.booleans()):
            payload["response_url"] = response_url
    elif kind == "view":
        payload = {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": "U1"},
                   "view": draw(st.one_of(st.fixed_dictionaries(
                       {"id": st.just("V1"), "callback_id": st.text(max_size=10)}),
                       json_values)), **payload}
    elif kind == "command":
        payload = {"command": draw(st.sampled_from(["/vraag", "/onbekend", "", "vraag"])),
                   "text": draw(st.text(max_size=60)), "team_id": TEAM, "user_id": "U1",
                   "channel_id": "C1", **{k: v for k, v in payload.items()
                                          if isinstance(v, str)}}
    return payload


@st.composite
def requests(draw, response_url: str) -> tuple[bytes, dict[str, str]]:
    """A body (JSON, form, payload=, or bytes) and headers (signed well, badly or not)."""
    form = draw(st.sampled_from(["json", "payload", "command", "raw"]))
    shape = draw(st.one_of(payloads(response_url), json_values))
    if form == "json":
        body, content_type = json.dumps(shape).encode(), JSON_CONTENT_TYPE
    elif form == "payload":
        body, content_type = urlencode({"payload": json.dumps(shape)}).encode(), FORM_CONTENT_TYPE
    elif form == "command":
        fields = shape if isinstance(shape, dict) else {"text": str(shape)}
        fields = {key: str(value) for key, value in fields.items()}
        if "command" in fields:  # the bot answers a command at its response_url
            fields["response_url"] = response_url
        body, content_type = urlencode(fields).encode(), FORM_CONTENT_TYPE
    else:
        body = draw(st.binary(max_size=200))
        content_type = draw(st.sampled_from([JSON_CONTENT_TYPE, FORM_CONTENT_TYPE, "text/plain"]))
    signing = draw(st.sampled_from(["good", "good", "good", "wrong-secret", "none",
                                    "bad-timestamp", "stale"]))
    headers = {"Content-Type": content_type}
    if signing == "none":
        return body, headers
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body, {**headers, "X-Slack-Request-Timestamp": str(int(time.time())),
                      "X-Slack-Signature": "v0=" + "0" * 64}
    secret = "wrong" if signing == "wrong-secret" else SIGNING_SECRET
    timestamp = int(time.time()) - (600 if signing == "stale" else 0)
    headers.update(signed_headers(body, secret, timestamp=timestamp))
    if signing == "bad-timestamp":
        headers["X-Slack-Request-Timestamp"] = draw(st.sampled_from(["abc", "", "1e3", "-5"]))
    return body, headers


@pytest.mark.database_independent
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_no_request_gets_a_5xx_or_leaves_a_traceback(slack, services, tracebacks, data):
    tracebacks.caplog.clear()  # one example's log at a time
    body, headers = data.draw(requests(slack.slack.response_url("fuzz")))
    response = await slack.http.post(slack.url, content=body, headers=headers)
    assert response.status_code < 500, (response.status_code, body[:300], headers)
    await services.background.settled()
    assert tracebacks() == [], body[:300]
