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
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
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


# ---------------------------------------------------------------------------
# channels and messages as state


async def test_messages_are_stored_per_channel_with_threads_and_metadata(slack, client):
    metadata = {"event_type": "meeting_rsvp", "event_payload": {"meeting": 7}}
    parent = await client.chat_postMessage(channel="C1", text="vergadering", metadata=metadata)
    await client.chat_postMessage(channel="C1", text="antwoord", thread_ts=parent["ts"])
    dm = await client.chat_postMessage(channel="U2", text="privé")

    assert dm["channel"] == "DU2"
    assert [m["text"] for m in slack.messages("DU2")] == ["privé"]
    assert slack.messages("U2") == slack.messages("DU2")
    first, reply = slack.messages("C1")
    assert first["metadata"] == metadata
    assert (first["reply_count"], first["latest_reply"]) == (1, reply["ts"])
    assert reply["thread_ts"] == parent["ts"] and reply["bot_id"] == "B1"
    assert slack.channel("C1").info("UBOT")["is_member"] is True


async def test_post_message_refused_by_channel_state(slack, client):
    slack.add_channel("CGONE", exists=False)
    slack.add_channel("COLD", is_archived=True)
    slack.add_channel("COUT", bot_is_member=False)
    slack.add_channel("GPRIV", is_private=True, bot_is_member=False)
    slack.add_channel("CRO", restricted=True)

    errors = {}
    for channel in ("CGONE", "COLD", "COUT", "GPRIV", "CRO"):
        with pytest.raises(SlackApiError) as excinfo:
            await client.chat_postMessage(channel=channel, text="hoi")
        errors[channel] = excinfo.value.response["error"]

    assert errors == {
        "CGONE": "channel_not_found",
        "COLD": "is_archived",
        "COUT": "not_in_channel",
        "GPRIV": "not_in_channel",
        "CRO": "restricted_action",
    }
    assert all(slack.messages(c) == [] for c in errors)


async def test_strict_channels_makes_unknown_channels_not_found(slack, client):
    slack.strict_channels = True
    slack.add_channel("CKNOWN")

    assert (await client.chat_postMessage(channel="CKNOWN", text="hoi"))["ok"]
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="CUNKNOWN", text="hoi")
    assert excinfo.value.response["error"] == "channel_not_found"


async def test_update_keeps_blocks_and_metadata_and_marks_edited(slack, client):
    metadata = {"event_type": "announcement", "event_payload": {"id": 1}}
    posted = await client.chat_postMessage(
        channel="C1", text="oud", blocks=[section("oud")], metadata=metadata
    )
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="nieuw")

    [message] = slack.messages("C1")
    assert message["text"] == "nieuw" and updated["message"]["text"] == "nieuw"
    assert message["blocks"] == [section("oud")]
    assert message["metadata"] == metadata
    assert message["edited"]["user"] == "UBOT"

    new_metadata = {"event_type": "announcement", "event_payload": {"id": 2}}
    await client.chat_update(
        channel="C1", ts=posted["ts"], text="x", blocks=[section("n")], metadata=new_metadata
    )
    assert slack.messages("C1")[0]["blocks"] == [section("n")]
    assert slack.messages("C1")[0]["metadata"] == new_metadata


async def test_update_and_delete_need_an_own_existing_message(slack, client):
    theirs = slack.add_message("C1", "van iemand anders", user="U2")
    posted = await client.chat_postMessage(channel="C1", text="van de bot")

    outcomes = []
    for call in (
        client.chat_update(channel="C1", ts="1700000099.000000", text="x"),
        client.chat_update(channel="C1", ts=theirs["ts"], text="x"),
        client.chat_update(channel="C2", ts=posted["ts"], text="x"),  # other channel
        client.chat_delete(channel="C1", ts=theirs["ts"]),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            await call
        outcomes.append(excinfo.value.response["error"])
    await client.chat_delete(channel="C1", ts=posted["ts"])
    with pytest.raises(SlackApiError) as again:
        await client.chat_delete(channel="C1", ts=posted["ts"])

    assert outcomes == [
        "message_not_found",
        "cant_update_message",
        "message_not_found",
        "cant_delete_message",
    ]
    assert again.value.response["error"] == "message_not_found"
    assert [m["text"] for m in slack.messages("C1")] == ["van iemand anders"]
    assert slack.channel("C1").messages[-1]["deleted"] is True


async def test_get_permalink(slack, client):
    posted = await client.chat_postMessage(channel="C1", text="hoi")
    reply = await client.chat_postMessage(channel="C1", text="re", thread_ts=posted["ts"])

    link = await client.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    reply_link = await client.chat_getPermalink(channel="C1", message_ts=reply["ts"])
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_getPermalink(channel="C1", message_ts="1.000001")

    ts_digits = posted["ts"].replace(".", "")
    assert link["permalink"] == f"https://test.slack.com/archives/C1/p{ts_digits}"
    assert reply_link["permalink"].endswith(f"?thread_ts={posted['ts']}&cid=C1")
    assert excinfo.value.response["error"] == "message_not_found"


async def test_ephemeral_messages_are_kept_per_user(slack, client):
    slack.add_channel("CTEAM", members=["U1", "U2"])
    await client.chat_postEphemeral(channel="CTEAM", user="U1", text="voor 1")
    await client.chat_postEphemeral(channel="CTEAM", user="U2", text="voor 2")
    await client.chat_postEphemeral(channel="CANY", user="U9", text="geen ledenlijst")
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postEphemeral(channel="CTEAM", user="U3", text="x")

    assert [e["text"] for e in slack.ephemerals("CTEAM", user="U1")] == ["voor 1"]
    assert len(slack.ephemerals("CTEAM")) == 2
    assert slack.messages("CTEAM") == []
    assert excinfo.value.response["error"] == "user_not_in_channel"


async def test_conversations_join(slack, client):
    slack.add_channel("CPUB", bot_is_member=False)
    slack.add_channel("GPRIV", is_private=True, bot_is_member=False)
    slack.add_channel("COLD", is_archived=True, bot_is_member=False)
    slack.add_channel("CGONE", exists=False)

    joined = await client.conversations_join(channel="CPUB")
    errors = []
    for channel in ("GPRIV", "COLD", "CGONE"):
        with pytest.raises(SlackApiError) as excinfo:
            await client.conversations_join(channel=channel)
        errors.append(excinfo.value.response["error"])

    assert joined["channel"]["id"] == "CPUB" and joined["channel"]["is_member"] is True
    assert slack.channel("CPUB").bot_is_member is True
    assert (await client.chat_postMessage(channel="CPUB", text="nu wel"))["ok"]
    assert errors == ["method_not_supported_for_channel_type", "is_archived", "channel_not_found"]


async def test_history_newest_first_with_bounds_and_pagination(slack, client):
    posted = [(await client.chat_postMessage(channel="C1", text=f"m{i}"))["ts"] for i in range(5)]
    await client.chat_postMessage(channel="C1", text="reply", thread_ts=posted[0])

    everything = await client.conversations_history(channel="C1")
    bounded = await client.conversations_history(
        channel="C1", oldest=posted[1], latest=posted[3]
    )
    inclusive = await client.conversations_history(
        channel="C1", oldest=posted[1], latest=posted[3], inclusive=True
    )
    pages, cursor = [], None
    while True:
        page = await client.conversations_history(channel="C1", limit=2, cursor=cursor)
        pages.append([m["text"] for m in page["messages"]])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            assert page["has_more"] is False
            break

    assert [m["text"] for m in everything["messages"]] == ["m4", "m3", "m2", "m1", "m0"]
    assert everything["messages"][-1]["reply_count"] == 1  # replies stay in the thread
    assert [m["text"] for m in bounded["messages"]] == ["m2"]
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]
    assert pages == [["m4", "m3"], ["m2", "m1"], ["m0"]]


async def test_history_limit_is_capped_at_999(slack, client):
    for i in range(3):
        slack.add_message("C1", f"u{i}")

    response = await client.conversations_history(channel="C1", limit=5000)

    assert len(response["messages"]) == 3 and response["has_more"] is False


async def test_history_returns_metadata_only_when_asked(client):
    metadata = {"event_type": "checkin", "event_payload": {"week": 12}}
    await client.chat_postMessage(channel="C1", text="check-in", metadata=metadata)

    plain = await client.conversations_history(channel="C1")
    with_metadata = await client.conversations_history(channel="C1", include_all_metadata=True)

    assert "metadata" not in plain["messages"][0]
    assert with_metadata["messages"][0]["metadata"] == metadata


async def test_history_access(slack, client):
    slack.add_channel("GPRIV", is_private=True, bot_is_member=False)
    slack.add_channel("CGONE", exists=False)
    await client.chat_postMessage(channel="U2", text="dm")

    dm = await client.conversations_history(channel="DU2")
    errors = []
    for channel in ("GPRIV", "CGONE"):
        with pytest.raises(SlackApiError) as excinfo:
            await client.conversations_history(channel=channel)
        errors.append(excinfo.value.response["error"])

    assert [m["text"] for m in dm["messages"]] == ["dm"]
    assert errors == ["not_in_channel", "channel_not_found"]


async def test_conversations_replies(slack, client):
    parent = await client.chat_postMessage(channel="C1", text="vraag")
    slack.add_message("C1", "antwoord", user="U2", thread_ts=parent["ts"])

    replies = await client.conversations_replies(channel="C1", ts=parent["ts"])

    assert [m["text"] for m in replies["messages"]] == ["vraag", "antwoord"]
    assert replies["messages"][0]["reply_users"] == ["U2"]


async def test_conversations_members_and_info(slack, client):
    slack.add_channel("CTEAM", name="team", members=[f"U{i}" for i in range(5)])

    members, cursor = [], None
    while True:
        page = await client.conversations_members(channel="CTEAM", limit=2, cursor=cursor)
        members += page["members"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    auto = await client.conversations_members(channel="CAUTO")
    info = await client.conversations_info(channel="CTEAM")

    assert members == ["U0", "U1", "U2", "U3", "U4", "UBOT"]
    assert auto["members"] == []
    assert info["channel"]["name"] == "team" and info["channel"]["is_channel"] is True
    assert info["channel"]["num_members"] == 6


# ---------------------------------------------------------------------------
# views


def modal(title: str = "Melding", **extra) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section("x")],
        **extra,
    }


async def test_views_are_recorded_and_updated_by_id_or_external_id(slack, client):
    opened = (await client.views_open(trigger_id="t1", view=modal(external_id="rsvp-7")))["view"]

    by_id = await client.views_update(view_id=opened["id"], view=modal("Stap 2"))
    by_external = await client.views_update(
        external_id="rsvp-7", view=modal("Stap 3"), hash=by_id["view"]["hash"]
    )

    current = slack.views[opened["id"]]
    assert current["title"]["text"] == "Stap 3"
    assert current["external_id"] == "rsvp-7"
    assert by_external["view"]["id"] == opened["id"]
    assert len({opened["hash"], by_id["view"]["hash"], by_external["view"]["hash"]}) == 3


async def test_views_update_errors(slack, client):
    opened = (await client.views_open(trigger_id="t1", view=modal()))["view"]
    await client.views_update(view_id=opened["id"], view=modal("Nieuw"))

    cases = [
        {"view_id": opened["id"], "view": modal("Oud"), "hash": opened["hash"]},
        {"view_id": "VNOPE", "view": modal()},
        {"view_id": opened["id"], "view": modal("t" * 25)},
        {"view_id": opened["id"], "view": {"type": "home", "blocks": []}},
    ]
    errors = []
    for kwargs in cases:
        with pytest.raises(SlackApiError) as excinfo:
            await client.views_update(**kwargs)
        errors.append(excinfo.value.response["error"])

    assert errors == ["hash_conflict", "not_found", "invalid_blocks", "invalid_blocks"]
    assert slack.views[opened["id"]]["title"]["text"] == "Nieuw"


async def test_views_push_stacks_up_to_three(slack, client):
    root = (await client.views_open(trigger_id="t1", view=modal("Eén")))["view"]
    second = (await client.views_push(trigger_id="t2", view=modal("Twee")))["view"]
    third = (await client.views_push(trigger_id="t3", view=modal("Drie")))["view"]
    with pytest.raises(SlackApiError) as excinfo:
        await client.views_push(trigger_id="t4", view=modal("Vier"))

    assert second["root_view_id"] == root["id"] and second["previous_view_id"] == root["id"]
    assert third["previous_view_id"] == second["id"]
    assert excinfo.value.response["error"] == "push_limit_reached"
    assert set(slack.views) == {root["id"], second["id"], third["id"]}


async def test_modal_limits(client):
    too_long = [
        {"callback_id": "c" * 256},
        {"private_metadata": "p" * 3001},
        {"submit": {"type": "plain_text", "text": "s" * 25}},
        {"close": {"type": "plain_text", "text": "c" * 25}},
        {"blocks": [section("x")] * 101},
    ]
    for extra in too_long:
        with pytest.raises(SlackApiError) as excinfo:
            await client.views_open(trigger_id="t1", view=modal(**extra))
        assert excinfo.value.response["error"] == "invalid_blocks", extra

    ok = await client.views_open(
        trigger_id="t1", view=modal(callback_id="c" * 255, private_metadata="p" * 3000)
    )
    assert ok["ok"]


async def test_views_publish_is_kept_per_user(slack, client):
    await client.views_publish(user_id="U2", view={"type": "home", "blocks": [section("a")]})
    await client.views_publish(user_id="U2", view={"type": "home", "blocks": [section("b")]})

    assert slack.home_views["U2"]["blocks"] == [section("b")]


# ---------------------------------------------------------------------------
# rate limits and failures


@pytest.fixture
def clock(slack):
    now = [1000.0]
    slack.clock = lambda: now[0]
    return now


def retry_after(excinfo) -> str:
    headers = {k.lower(): v for k, v in excinfo.value.response.headers.items()}
    value = headers["retry-after"]
    return value[0] if isinstance(value, list) else value


async def test_channel_rate_allows_one_message_per_second_per_channel(slack, client, clock):
    slack.set_channel_rate("chat.postMessage", per_second=1.0)

    await client.chat_postMessage(channel="C1", text="1")
    await client.chat_postMessage(channel="C2", text="other channel")
    clock[0] += 0.3
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="2")
    clock[0] += 0.7
    await client.chat_postMessage(channel="C1", text="2 again")

    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response["error"] == "ratelimited"
    assert retry_after(excinfo) == "1"
    assert slack.rate_limited_count == 1
    assert [m["text"] for m in slack.messages("C1")] == ["1", "2 again"]
    limited = [c for c in slack.calls if c.status == 429]
    assert [(c.method, c.ok, c.error) for c in limited] == [
        ("chat.postMessage", False, "ratelimited")
    ]


async def test_slow_channel_rate_gives_whole_second_retry_after(slack, client, clock):
    slack.set_channel_rate("chat.postMessage", per_second=0.4)  # one per 2.5 s

    await client.chat_postMessage(channel="C1", text="1")
    clock[0] += 0.2
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C1", text="2")

    assert retry_after(excinfo) == "3"  # ceil(2.3)


async def test_workspace_rate_spans_channels_and_methods(slack, client, clock):
    slack.set_workspace_rate(methods=("chat.postMessage", "chat.update"), per_second=3.0)

    first = await client.chat_postMessage(channel="C1", text="a")
    await client.chat_postMessage(channel="C2", text="b")
    clock[0] += 0.5
    await client.chat_update(channel="C1", ts=first["ts"], text="a2")
    with pytest.raises(SlackApiError) as excinfo:
        await client.chat_postMessage(channel="C3", text="c")
    await client.chat_postEphemeral(channel="C3", user="U1", text="not limited")
    clock[0] += 0.5  # the first two leave the window
    await client.chat_postMessage(channel="C3", text="c again")

    assert excinfo.value.response.status_code == 429
    assert retry_after(excinfo) == "1"
    assert slack.rate_limited_count == 1


async def test_fail_channel_until_cleared_and_times(slack, client):
    slack.fail_channel("C1", "restricted_action")
    slack.fail_channel("C2", "channel_not_found", times=1)

    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            await client.chat_postMessage(channel="C1", text="x")
        assert excinfo.value.response["error"] == "restricted_action"
        assert excinfo.value.response.status_code == 200
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C2", text="x")
    await client.chat_postMessage(channel="C2", text="tweede keer goed")
    await client.chat_postMessage(channel="C3", text="andere kanalen gewoon")
    slack.clear_channel_failure("C1")
    posted = await client.chat_postMessage(channel="C1", text="weer goed")

    slack.fail_channel("C1", "is_archived")
    for call in (
        client.chat_update(channel="C1", ts=posted["ts"], text="y"),
        client.chat_delete(channel="C1", ts=posted["ts"]),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            await call
        assert excinfo.value.response["error"] == "is_archived"
    assert [m["text"] for m in slack.messages("C1")] == ["weer goed"]


async def test_fail_channel_internal_error_is_http_500_and_retried(slack):
    slack.fail_channel("U2", "internal_error", times=1)
    plain = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
    with pytest.raises(SlackApiError) as excinfo:
        await plain.chat_postMessage(channel="U2", text="x")
    slack.fail_channel("DU2", "fatal_error", times=1)
    retrying = AsyncWebClient(
        token=TOKEN,
        base_url=slack.base_url,
        retry_handlers=[
            AsyncServerErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0)
            )
        ],
    )
    retried = await retrying.chat_postMessage(channel="U2", text="y")

    assert excinfo.value.response.status_code == 500
    assert excinfo.value.response["error"] == "internal_error"
    assert retried["ok"]
    assert [c.status for c in slack.calls] == [500, 500, 200]


# ---------------------------------------------------------------------------
# file uploads

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


async def test_files_upload_v2_shares_an_ics_file(slack, client):
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

    response = await client.files_upload_v2(
        channel="C1",
        content=ics,
        filename="overleg.ics",
        title="Overleg",
        initial_comment="Agenda",
    )

    [stored] = slack.files
    assert stored["bytes"] == ics and stored["filename"] == "overleg.ics"
    assert stored["title"] == "Overleg" and stored["channels"] == ["C1"]
    assert stored["initial_comment"] == "Agenda"
    assert response["file"]["id"] == stored["id"]
    [message] = slack.messages("C1")
    assert message["text"] == "Agenda"
    assert message["files"][0]["name"] == "overleg.ics"
    assert message["files"][0]["size"] == len(ics)
    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]


async def test_files_upload_v2_png_in_a_thread(slack, client):
    parent = await client.chat_postMessage(channel="C1", text="foto's")

    await client.files_upload_v2(
        channel="C1", file=PNG, filename="logo.png", title="Logo", thread_ts=parent["ts"]
    )

    [stored] = slack.files
    assert stored["bytes"] == PNG and stored["thread_ts"] == parent["ts"]
    shared = slack.messages("C1")[-1]
    assert shared["thread_ts"] == parent["ts"] and shared["files"][0]["mimetype"] == "image/png"


async def test_files_upload_v2_checks_the_channel(slack, client):
    slack.add_channel("COUT", bot_is_member=False)

    with pytest.raises(SlackApiError) as excinfo:
        await client.files_upload_v2(channel="COUT", content=b"x", filename="x.txt")

    assert excinfo.value.response["error"] == "not_in_channel"
    assert slack.files == [] and slack.messages("COUT") == []


async def test_upload_url_accepts_multipart_and_complete_needs_the_bytes(slack, client):
    first = await client.files_getUploadURLExternal(filename="a.txt", length=3)
    second = await client.files_getUploadURLExternal(filename="b.txt", length=3)
    async with httpx.AsyncClient() as http:
        uploaded = await http.post(first["upload_url"], files={"file": ("a.txt", b"abc")})

    with pytest.raises(SlackApiError) as excinfo:
        await client.files_completeUploadExternal(
            files=[{"id": second["file_id"], "title": "B"}], channel_id="C1"
        )
    done = await client.files_completeUploadExternal(
        files=[{"id": first["file_id"], "title": "A"}], channel_id="C1"
    )

    assert uploaded.status_code == 200 and uploaded.text == "OK - 3"
    assert excinfo.value.response["error"] == "file_not_found"
    assert done["files"][0]["title"] == "A"
    assert slack.files[0]["bytes"] == b"abc"


# ---------------------------------------------------------------------------
# reset_calls / wait_until


async def test_reset_calls_and_wait_until(slack, client):
    await client.chat_postMessage(channel="C1", text="hoi")
    slack.reset_calls()

    assert slack.calls == [] and slack.rate_limited_count == 0
    assert await slack.wait_until(lambda: slack.messages("C1")) == slack.messages("C1")
    with pytest.raises(AssertionError) as excinfo:
        await slack.wait_until(lambda: slack.messages("C2"), timeout=0.05)
    assert "condition not met" in str(excinfo.value)


def test_slack_sdk_models_catch_limits_the_hand_checks_do_not_know():
    video = {
        "type": "video",
        "alt_text": "uitleg",
        "title": {"type": "plain_text", "text": "t" * 201},
        "thumbnail_url": "https://example.com/t.png",
        "video_url": "https://example.com/v.mp4",
    }

    assert validate_blocks([video]) == [
        "blocks[0]: title attribute cannot exceed 200 characters (slack_sdk.models)"
    ]
    short = {**video, "title": {"type": "plain_text", "text": "t" * 199}}  # "less than 200"
    assert validate_blocks([short]) == []
    # Where the hand checks already object, slack_sdk's path-less duplicate is left out.
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert validate_blocks([header]) == ["blocks[0].text.text: must be <= 150 chars (got 151)"]
