"""Behaviour of the loopback Slack fake, driven by the real slack_sdk client."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.block_kit import validate_blocks, validate_view
from tests.fakes.signing import (
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)
from tests.fakes.slack_api import FakeSlackApi

TOKEN = "xoxb-test"


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(label: str, action_id: str = "go", **extra) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        **extra,
    }


@pytest.fixture
async def slack():
    async with FakeSlackApi(bot_token=TOKEN, bot_user_id="UBOT", team_id="T1") as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlackApi) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.base_url)


# ---------------------------------------------------------------------------
# Web API over the real client


async def test_valid_post_message_succeeds_and_is_recorded(slack, client):
    blocks = [
        section("*Hallo*"),
        {"type": "divider"},
        {"type": "actions", "elements": [button("Ja")]},
    ]

    first = await client.chat_postMessage(channel="C1", text="Hallo", blocks=blocks)
    second = await client.chat_postMessage(channel="C1", text="Nog een")

    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["message"]["blocks"] == blocks
    assert float(second["ts"]) > float(first["ts"])
    assert first["ts"].startswith("1700000000.")
    recorded = slack.calls_to("chat.postMessage")
    assert [c["text"] for c in recorded] == ["Hallo", "Nog een"]
    assert recorded[0]["blocks"] == blocks
    assert "token" not in recorded[0]
    assert [c.ok for c in slack.calls] == [True, True]


async def test_auth_test_identifies_the_bot(client):
    response = await client.auth_test()

    assert response["user_id"] == "UBOT"
    assert response["team_id"] == "T1"
    assert response["bot_id"] == "B1"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_post_message_without_content_is_no_text(slack, client):
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1")

    assert excinfo.value.response["error"] == "no_text"
    assert slack.calls_to("chat.postMessage") == []


async def test_51_blocks_are_invalid(slack, client):
    blocks = [section(f"regel {i}") for i in range(51)]

    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="te lang", blocks=blocks)

    assert excinfo.value.response["error"] == "invalid_blocks"
    assert any("must have <= 50 items" in e for e in excinfo.value.response["errors"])
    assert slack.calls_to("chat.postMessage") == []
    [call] = slack.calls
    assert (call.method, call.ok, call.error) == ("chat.postMessage", False, "invalid_blocks")


async def test_50_blocks_are_fine(client):
    response = await client.chat_postMessage(channel="C1", text="x", blocks=[section("a")] * 50)
    assert response["ok"]


async def test_section_text_over_3000_chars_is_invalid(client):
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(
            channel="C1", text="x", blocks=[{"type": "divider"}, section("a" * 3001)]
        )

    assert excinfo.value.response["error"] == "invalid_blocks"
    assert (
        "blocks[1].text.text: must be <= 3000 chars (got 3001)" in excinfo.value.response["errors"]
    )


async def test_button_label_over_75_chars_is_invalid(client):
    blocks = [{"type": "actions", "elements": [button("b" * 76)]}]

    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="x", blocks=blocks)

    assert excinfo.value.response["error"] == "invalid_blocks"
    assert excinfo.value.response["errors"] == [
        "blocks[0].elements[0].text.text: must be <= 75 chars (got 76)"
    ]


async def test_action_id_over_255_chars_is_invalid(client):
    blocks = [section("kies", accessory=button("Ja", action_id="a" * 256))]

    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="x", blocks=blocks)

    assert excinfo.value.response["error"] == "invalid_blocks"
    assert excinfo.value.response["errors"] == [
        "blocks[0].accessory.action_id: must be <= 255 chars (got 256)"
    ]


async def test_message_text_over_40000_chars_is_msg_too_long(client):
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="a" * 40_001)

    assert excinfo.value.response["error"] == "msg_too_long"


async def test_wrong_token_is_invalid_auth(slack):
    client = AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url)

    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="hoi")

    assert excinfo.value.response.status_code == 200
    assert excinfo.value.response["error"] == "invalid_auth"
    assert slack.calls[0].error == "invalid_auth"
    assert slack.calls_to("chat.postMessage") == []


async def test_missing_token_is_not_authed(slack):
    client = AsyncWebClient(base_url=slack.base_url)

    with pytest.raises(SlackApiError) as excinfo:
        await client.auth_test()

    assert excinfo.value.response["error"] == "not_authed"


async def test_unknown_method(slack, client):
    with pytest.raises(SlackApiError) as excinfo:
        await client.api_call("chat.fly")

    assert excinfo.value.response["error"] == "unknown_method"


async def test_rate_limited_call_is_retried_by_retry_handler(slack):
    client = AsyncWebClient(
        token=TOKEN,
        base_url=slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)

    started = time.monotonic()
    response = await client.chat_postMessage(channel="C1", text="na de pauze")

    assert response["ok"]
    assert time.monotonic() - started >= 1.0  # the client honoured Retry-After
    assert [(c.method, c.ok, c.error) for c in slack.calls] == [
        ("chat.postMessage", False, "ratelimited"),
        ("chat.postMessage", True, None),
    ]
    assert slack.calls[0].status == 429


async def test_rate_limited_call_without_retry_handler_raises_429(slack, client):
    slack.rate_limit("chat.postMessage", times=1, retry_after=7)

    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="hoi")

    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response["error"] == "ratelimited"
    retry_after = {k.lower(): v for k, v in excinfo.value.response.headers.items()}["retry-after"]
    assert retry_after in ("7", ["7"])
    # Only the next call was limited.
    assert (await client.chat_postMessage(channel="C1", text="hoi"))["ok"]


async def test_fail_injects_an_error(slack, client):
    slack.fail("chat.postMessage", "not_in_channel")

    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="hoi")

    assert excinfo.value.response["error"] == "not_in_channel"
    assert (await client.chat_postMessage(channel="C1", text="hoi"))["ok"]


async def test_form_encoded_blocks_are_decoded_and_validated(slack):
    async with httpx.AsyncClient() as http:
        ok = await http.post(
            slack.base_url + "chat.postMessage",
            data={"token": TOKEN, "channel": "C1", "blocks": json.dumps([section("hoi")])},
        )
        bad = await http.post(
            slack.base_url + "chat.postMessage",
            data={"channel": "C1", "blocks": json.dumps([section("a" * 3001)])},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )

    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert bad.status_code == 200 and bad.json()["error"] == "invalid_blocks"
    assert slack.calls_to("chat.postMessage") == [{"channel": "C1", "blocks": [section("hoi")]}]


async def test_ephemeral_update_delete_and_reactions(slack, client):
    eph = await client.chat_postEphemeral(channel="C1", user="U2", text="alleen voor jou")
    posted = await client.chat_postMessage(channel="C1", text="eerst")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="daarna")
    await client.reactions_add(channel="C1", timestamp=posted["ts"], name="white_check_mark")
    with pytest.raises(SlackApiError) as excinfo:
        await client.reactions_add(channel="C1", timestamp=posted["ts"], name="white_check_mark")
    deleted = await client.chat_delete(channel="C1", ts=posted["ts"])

    assert eph["message_ts"]
    assert updated["ts"] == posted["ts"] and updated["text"] == "daarna"
    assert excinfo.value.response["error"] == "already_reacted"
    assert deleted["ts"] == posted["ts"]
    assert slack.calls_to("chat.update")[0]["text"] == "daarna"


async def test_invalid_update_is_refused(client):
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_update(
            channel="C1",
            ts="1.2",
            text="x",
            blocks=[{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}],
        )

    assert excinfo.value.response["errors"] == ["blocks[0].text.type: must be plain_text"]


async def test_conversations_open_and_users_info(slack, client):
    opened = await client.conversations_open(users="U2")
    plain = await client.users_info(user="U2")
    with_locale = await client.users_info(user="U2", include_locale=True)
    slack.users["U3"] = {"locale": "en-GB", "tz": "Europe/London"}
    other = await client.users_info(user="U3", include_locale=True)

    assert opened["channel"]["id"] == "DU2"
    assert plain["user"]["tz"] == "Europe/Amsterdam"
    assert "locale" not in plain["user"]  # Slack only returns it with include_locale
    assert with_locale["user"]["locale"] == "nl-NL"
    assert (other["user"]["locale"], other["user"]["tz"]) == ("en-GB", "Europe/London")


async def test_views_publish_allows_100_blocks_but_not_101(slack, client):
    ok = await client.views_publish(
        user_id="U2", view={"type": "home", "blocks": [section("x")] * 100}
    )
    with pytest.raises(SlackApiError) as excinfo:
        await client.views_publish(
            user_id="U2", view={"type": "home", "blocks": [section("x")] * 101}
        )

    assert ok["view"]["type"] == "home" and ok["view"]["id"].startswith("V")
    assert excinfo.value.response["error"] == "invalid_blocks"
    assert "view.blocks: must have <= 100 items (got 101)" in excinfo.value.response["errors"]
    assert len(slack.calls_to("views.publish")) == 1


async def test_views_open_checks_modal_title(slack, client):
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Melding"},
        "blocks": [section("x")],
    }
    ok = await client.views_open(trigger_id="t1", view=modal)
    with pytest.raises(SlackApiError) as excinfo:
        await client.views_open(
            trigger_id="t1", view={**modal, "title": {"type": "plain_text", "text": "t" * 25}}
        )

    assert ok["view"]["title"]["text"] == "Melding"
    assert excinfo.value.response["errors"] == ["view.title.text: must be <= 24 chars (got 25)"]
    assert slack.calls_to("views.open")[0]["trigger_id"] == "t1"


async def test_wait_for_returns_args_and_reports_what_arrived_on_timeout(slack, client):
    await client.chat_postMessage(channel="C1", text="hoi")

    assert (await slack.wait_for("chat.postMessage", count=1, timeout=1))[0]["text"] == "hoi"
    with pytest.raises(AssertionError) as excinfo:
        await slack.wait_for("views.publish", count=1, timeout=0.1)
    assert "expected 1 successful views.publish" in str(excinfo.value)
    assert "chat.postMessage (ok)" in str(excinfo.value)


# ---------------------------------------------------------------------------
# response_url


async def test_response_url_accepts_valid_message(slack):
    async with httpx.AsyncClient() as http:
        response = await http.post(
            slack.response_url("abc"),
            json={"text": "klaar", "response_type": "ephemeral", "blocks": [section("klaar")]},
        )

    assert response.status_code == 200
    assert response.text == "ok"
    assert slack.calls_to("response_url") == [
        {"text": "klaar", "response_type": "ephemeral", "blocks": [section("klaar")], "key": "abc"}
    ]


async def test_response_url_with_invalid_blocks_answers_400(slack):
    async with httpx.AsyncClient() as http:
        response = await http.post(
            slack.response_url("abc"),
            json={"text": "x", "replace_original": True, "blocks": [{"type": "carousel_of_doom"}]},
        )

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert response.json()["error"] == "invalid_blocks"
    assert response.json()["errors"] == ["blocks[0].type: unknown block type 'carousel_of_doom'"]
    assert slack.calls_to("response_url") == []
    assert slack.calls[0].method == "response_url" and slack.calls[0].ok is False


# ---------------------------------------------------------------------------
# validate_blocks / validate_view


def test_validate_blocks_accepts_a_typical_message():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Convenant"}},
        section(
            "tekst",
            block_id="b1",
            accessory={"type": "image", "image_url": "https://x/i.png", "alt_text": "i"},
        ),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{i}*"} for i in range(10)]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "klein"}]},
        {
            "type": "actions",
            "block_id": "b2",
            "elements": [
                button("Ja", "yes", style="primary", value="1"),
                button("Nee", "no", style="danger"),
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": {"type": "plain_text", "text": "Kies"},
                    "options": [
                        {"text": {"type": "plain_text", "text": str(i)}, "value": str(i)}
                        for i in range(100)
                    ],
                },
            ],
        },
        {"type": "divider"},
        {"type": "rich_text", "elements": []},
    ]

    assert validate_blocks(blocks) == []


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "blocks[0].text.text: must be <= 150 chars (got 151)",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "blocks[0].fields: must have <= 10 items (got 11)",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "blocks[0].fields[0].text: must be <= 2000 chars (got 2001)",
        ),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
            "blocks[0].elements: must have <= 10 items (got 11)",
        ),
        (
            [{"type": "actions", "elements": [button("b", f"a{i}") for i in range(26)]}],
            "blocks[0].elements: must have <= 25 items (got 26)",
        ),
        (
            [{"type": "actions", "elements": [button("b", "same"), button("c", "same")]}],
            "blocks[0].elements[1].action_id: duplicate action_id 'same' in the same block",
        ),
        (
            [section("a", block_id="x"), section("b", block_id="x")],
            "blocks[1].block_id: duplicate block_id 'x'",
        ),
        ([section("a", block_id="x" * 256)], "blocks[0].block_id: must be <= 255 chars (got 256)"),
        (
            [{"type": "actions", "elements": [button("b", style="blue")]}],
            "blocks[0].elements[0].style: must be primary or danger (got 'blue')",
        ),
        (
            [{"type": "actions", "elements": [button("b", value="v" * 2001)]}],
            "blocks[0].elements[0].value: must be <= 2000 chars (got 2001)",
        ),
        (
            [{"type": "actions", "elements": [button("b", url="u" * 3001)]}],
            "blocks[0].elements[0].url: must be <= 3000 chars (got 3001)",
        ),
        (
            [{"type": "section", "text": {"type": "markdown", "text": "x"}}],
            "blocks[0].text.type: must be plain_text or mrkdwn (got 'markdown')",
        ),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}],
            "blocks[0].text.text: must be a non-empty string",
        ),
        ([{"type": "fancy"}], "blocks[0].type: unknown block type 'fancy'"),
        (
            [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "x"},
                    "accessory": {
                        "type": "static_select",
                        "action_id": "s",
                        "placeholder": {"type": "plain_text", "text": "p"},
                        "options": [
                            {"text": {"type": "plain_text", "text": "o"}, "value": str(i)}
                            for i in range(101)
                        ],
                    },
                }
            ],
            "blocks[0].accessory.options: must have <= 100 items (got 101)",
        ),
    ],
)
def test_validate_blocks_reports_limit_violations(blocks, expected):
    assert expected in validate_blocks(blocks)


def test_validate_blocks_block_count_depends_on_surface():
    assert validate_blocks([{"type": "divider"}] * 51) == ["blocks: must have <= 50 items (got 51)"]
    assert validate_blocks([{"type": "divider"}] * 51, max_blocks=100) == []


def test_validate_view_requires_submit_with_inputs():
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Nieuw"},
        "blocks": [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Naam"},
                "element": {"type": "plain_text_input", "action_id": "naam"},
            }
        ],
    }

    assert validate_view(view) == ["view.submit: is required when the view contains input blocks"]
    assert validate_view({**view, "submit": {"type": "plain_text", "text": "Opslaan"}}) == []


# ---------------------------------------------------------------------------
# signing and request bodies


def test_signed_headers_match_slacks_scheme():
    body = "token=x&text=hoi"
    headers = signed_headers(body, "geheim", timestamp=1_700_000_000)

    expected = (
        "v0=" + hmac.new(b"geheim", b"v0:1700000000:token=x&text=hoi", hashlib.sha256).hexdigest()
    )
    assert headers == {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": expected}


def test_signed_headers_default_to_now_and_verify():
    body = b'{"type": "event_callback"}'
    headers = signed_headers(body, "geheim")

    verifier = SignatureVerifier("geheim")
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not SignatureVerifier("anders").is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_request_bodies_look_like_slacks():
    command = parse_qs(
        slash_command_body(
            "/convenant",
            "help me",
            user_id="U2",
            channel_id="C1",
            team_id="T1",
            response_url="http://r/1",
        )
    )
    interaction = parse_qs(
        interaction_body({"type": "block_actions", "actions": [{"action_id": "yes"}]})
    )
    event = json.loads(
        event_body({"type": "app_mention", "text": "hoi"}, team_id="T1", event_id="Ev1")
    )

    assert command["command"] == ["/convenant"] and command["text"] == ["help me"]
    assert command["response_url"] == ["http://r/1"] and command["trigger_id"] == ["t1"]
    assert (
        command["user_id"] == ["U2"]
        and command["channel_id"] == ["C1"]
        and command["team_id"] == ["T1"]
    )
    assert json.loads(interaction["payload"][0])["actions"][0]["action_id"] == "yes"
    assert event["type"] == "event_callback" and event["event"]["type"] == "app_mention"
    assert event["event_id"] == "Ev1" and event["api_app_id"] == "A1" and event["team_id"] == "T1"
    assert event["authorizations"][0]["team_id"] == "T1" and isinstance(event["event_time"], int)
