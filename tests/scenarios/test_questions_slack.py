"""Slack as the platform drives it: signed HTTP requests into the real ASGI app, and the
bot's Web API calls answered by the fake Slack server on loopback."""

import time

import pytest

from handlers.slack import ids
from tests.conftest import COORDINATOR, SIGNING_SECRET, TEAM
from tests.fakes.block_kit import validate_blocks
from tests.fakes.driver import SlackDriver

DUTCH_QUESTION = "Hoe deel ik het convenantbericht intern met mijn collega's?"
OUT_OF_SCOPE = "Hoeveel vakantiedagen heb ik dit jaar nog over?"


@pytest.fixture
def slack(http, bot_url, slack_api) -> SlackDriver:
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


def _all_text(message: dict) -> str:
    parts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        parts.append(str(block))
    return "\n".join(parts)


def _buttons(message: dict) -> list[dict]:
    return [element for block in message.get("blocks", []) if block["type"] == "actions"
            for element in block["elements"]]


async def test_slash_command_answers_with_quote_source_and_feedback_buttons(slack):
    response, key = await slack.command(DUTCH_QUESTION)
    assert response.status_code == 200
    [reply] = await slack.responses(key)
    assert "intranet" in _all_text(reply).lower()
    assert "Bron:" in _all_text(reply)
    assert [b["action_id"] for b in _buttons(reply)] == [ids.FEEDBACK_HELPFUL,
                                                          ids.FEEDBACK_UNHELPFUL]
    assert validate_blocks(reply["blocks"]) == []


async def test_out_of_scope_question_is_refused_honestly_and_stored_as_unanswered(
        slack, services):
    _, key = await slack.command(OUT_OF_SCOPE)
    [reply] = await slack.responses(key)
    assert "niets over" in reply["text"]
    topic_buttons = _buttons(reply)
    assert 1 <= len(topic_buttons) <= 3
    assert all(ids.SHOW_TOPIC.match(b["action_id"]) for b in topic_buttons)
    unanswered = await services.desk.unanswered(platform="slack", workspace_id=TEAM)
    assert [q.text for q in unanswered] == [OUT_OF_SCOPE]


async def test_suggested_topic_button_shows_that_section(slack):
    _, key = await slack.command(OUT_OF_SCOPE)
    [reply] = await slack.responses(key)
    topic = _buttons(reply)[0]
    _, click_key = await slack.click(topic["action_id"], topic["value"])
    [shown] = await slack.responses(click_key)
    assert topic["text"]["text"].rstrip("…") in _all_text(shown)


async def test_english_question_gets_english_lead_in_and_dutch_quote(slack):
    _, key = await slack.command("How should we share the covenant news on LinkedIn?")
    [reply] = await slack.responses(key)
    assert "The guidance (in Dutch) says" in _all_text(reply)
    assert "LinkedIn" in _all_text(reply)


@pytest.mark.parametrize("text", ["", "help", "  "])
async def test_empty_command_or_help_explains_what_the_bot_does(slack, text):
    _, key = await slack.command(text)
    [reply] = await slack.responses(key)
    assert "/vraag" in _all_text(reply)
    assert "onbeantwoord" not in _all_text(reply)  # coordinator help is for coordinators


async def test_coordinator_help_lists_coordinator_commands(slack):
    _, key = await slack.command("help", user=COORDINATOR)
    [reply] = await slack.responses(key)
    assert "/vraag onbeantwoord" in _all_text(reply)


async def test_question_of_5000_characters_is_politely_refused_and_not_stored(slack, services):
    _, key = await slack.command("Hoe werkt de samenwerking? " * 185)
    [reply] = await slack.responses(key)
    assert "te lang" in reply["text"]
    assert await services.desk.unanswered(platform="slack", workspace_id=TEAM) == []


@pytest.mark.database_independent
async def test_forged_signature_is_rejected_with_401(slack, services):
    response, key = await slack.command(DUTCH_QUESTION, secret="not-the-secret")
    assert response.status_code == 401
    await services.background.settled()
    assert slack.slack.calls == []


@pytest.mark.database_independent
async def test_a_body_that_is_not_utf8_is_rejected_with_401_not_an_error(http, bot_url, slack):
    response = await http.post(f"{bot_url}/slack/events", content=b"text=\xff\xfe\xfd",
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "X-Slack-Request-Timestamp": str(int(time.time())),
                                        "X-Slack-Signature": "v0=" + "0" * 64})
    assert response.status_code == 401
    assert slack.slack.calls == []


@pytest.mark.database_independent
@pytest.mark.parametrize(("body", "content_type"), [
    ("{not json", "application/json"),
    ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
])
async def test_a_body_slack_would_never_send_gets_400_not_an_error(slack, body, content_type):
    response = await slack.post(body, content_type)
    assert response.status_code == 400
    assert slack.slack.calls == []


@pytest.mark.database_independent
async def test_stale_timestamp_is_rejected_with_401(slack):
    response, _ = await slack.command(DUTCH_QUESTION, timestamp=int(time.time()) - 60 * 10)
    assert response.status_code == 401


async def test_mention_is_answered_in_the_thread(slack):
    event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {DUTCH_QUESTION}",
             "ts": "1700000000.000100", "channel": "C1", "event_ts": "1700000000.000100"}
    response = await slack.event(event)
    assert response.status_code == 200
    [posted] = await slack.slack.wait_for("chat.postMessage")
    assert posted["channel"] == "C1"
    assert posted["thread_ts"] == "1700000000.000100"
    assert "intranet" in _all_text(posted).lower()


async def test_direct_message_is_answered_in_the_dm(slack):
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": DUTCH_QUESTION,
             "ts": "1700000000.000200", "channel": "D1", "event_ts": "1700000000.000200"}
    await slack.event(event)
    [posted] = await slack.slack.wait_for("chat.postMessage")
    assert posted["channel"] == "D1"
    assert not posted.get("thread_ts")


async def test_slack_retry_of_a_handled_event_does_nothing_twice(slack, services):
    event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {OUT_OF_SCOPE}",
             "ts": "1700000000.000300", "channel": "C1", "event_ts": "1700000000.000300"}
    await slack.event(event, event_id="EvRETRY1")
    await slack.slack.wait_for("chat.postMessage")
    retry = await slack.event(event, event_id="EvRETRY1",
                              headers={"X-Slack-Retry-Num": "1",
                                       "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    await services.background.settled()
    assert len(slack.slack.calls_to("chat.postMessage")) == 1
    assert len(await services.desk.unanswered(platform="slack", workspace_id=TEAM)) == 1


async def test_bot_ignores_its_own_and_other_bots_messages(slack, services):
    own = {"type": "message", "channel_type": "im", "user": "UBOT", "bot_id": "B1",
           "text": DUTCH_QUESTION, "ts": "1700000000.000400", "channel": "D1"}
    other = {"type": "message", "channel_type": "im", "subtype": "bot_message", "bot_id": "B9",
             "text": DUTCH_QUESTION, "ts": "1700000000.000500", "channel": "D1"}
    assert (await slack.event(own)).status_code == 200
    assert (await slack.event(other)).status_code == 200
    await services.background.settled()
    assert slack.slack.calls_to("chat.postMessage") == []


async def test_answer_is_posted_once_after_a_rate_limit(slack):
    slack.slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": DUTCH_QUESTION,
             "ts": "1700000000.000600", "channel": "D1", "event_ts": "1700000000.000600"}
    await slack.event(event)
    [posted] = await slack.slack.wait_for("chat.postMessage", timeout=8)
    assert [c.error for c in slack.slack.calls if c.method == "chat.postMessage"] == [
        "ratelimited", None]
    assert posted["channel"] == "D1"


async def test_feedback_is_stored_and_a_second_vote_replaces_the_first(slack, services):
    _, key = await slack.command(DUTCH_QUESTION)
    [reply] = await slack.responses(key)
    question_id = _buttons(reply)[1]["value"]
    _, first = await slack.click(ids.FEEDBACK_UNHELPFUL, question_id)
    [thanks] = await slack.responses(first)
    assert "niet hielp" in thanks["text"]
    unhelpful = await services.desk.unhelpful(platform="slack", workspace_id=TEAM)
    assert [(a.question.text, a.votes) for a in unhelpful] == [(DUTCH_QUESTION, 1)]
    _, second = await slack.click(ids.FEEDBACK_HELPFUL, question_id)
    await slack.responses(second)
    assert await services.desk.unhelpful(platform="slack", workspace_id=TEAM) == []


async def test_thumbs_down_offers_other_topics_than_the_one_quoted(slack):
    _, key = await slack.command(DUTCH_QUESTION)
    [reply] = await slack.responses(key)
    quoted_section = reply["blocks"][1]["elements"][0]["text"]
    _, click = await slack.click(ids.FEEDBACK_UNHELPFUL, _buttons(reply)[1]["value"])
    [thanks] = await slack.responses(click)
    assert validate_blocks(thanks["blocks"]) == []
    assert "Misschien helpt een van deze onderwerpen wel" in _all_text(thanks)
    topics = [b["text"]["text"] for b in _buttons(thanks)]
    assert topics and all(topic not in quoted_section for topic in topics)
    _, shown = await slack.click(_buttons(thanks)[0]["action_id"], _buttons(thanks)[0]["value"])
    [topic] = await slack.responses(shown)
    assert "Bron:" in _all_text(topic)


async def test_feedback_on_unknown_answer_says_so(slack):
    _, key = await slack.click(ids.FEEDBACK_HELPFUL, "999999")
    [reply] = await slack.responses(key)
    assert "niet meer terugvinden" in reply["text"]


async def test_unknown_button_gets_a_clear_answer(slack):
    response, key = await slack.click("button_from_an_old_version", "x")
    assert response.status_code == 200
    [reply] = await slack.responses(key)
    assert "knop werkt niet" in reply["text"]


async def test_unanswered_list_is_for_coordinators_only(slack):
    _, asked = await slack.command(OUT_OF_SCOPE)
    await slack.responses(asked)
    _, refused = await slack.command("onbeantwoord", user="U1")
    [reply] = await slack.responses(refused)
    assert "alleen coördinatoren" in reply["text"]
    _, listed = await slack.command("onbeantwoord", user=COORDINATOR)
    [reply] = await slack.responses(listed)
    assert OUT_OF_SCOPE in _all_text(reply)
    assert validate_blocks(reply["blocks"]) == []


async def test_feedback_list_shows_answers_marked_unhelpful(slack):
    _, key = await slack.command(DUTCH_QUESTION)
    [reply] = await slack.responses(key)
    _, click = await slack.click(ids.FEEDBACK_UNHELPFUL, _buttons(reply)[1]["value"])
    await slack.responses(click)
    _, listed = await slack.command("feedback", user=COORDINATOR)
    [reply] = await slack.responses(listed)
    assert DUTCH_QUESTION in _all_text(reply)
    assert "👎 1" in _all_text(reply)


async def test_healthz_answers_when_ready(http, bot_url):
    response = await http.get(f"{bot_url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_coordinator_can_ask_for_the_unanswered_list_in_a_direct_message(slack):
    _, asked = await slack.command(OUT_OF_SCOPE)
    await slack.responses(asked)
    event = {"type": "message", "channel_type": "im", "user": COORDINATOR, "text": "onbeantwoord",
             "ts": "1700000000.000700", "channel": "DCOORD", "event_ts": "1700000000.000700"}
    await slack.event(event)
    [posted] = await slack.slack.wait_for("chat.postMessage")
    assert posted["channel"] == "DCOORD"
    assert OUT_OF_SCOPE in _all_text(posted)


def test_starting_with_the_bot_token_in_the_environment_logs_no_misleading_notice(
        services, monkeypatch, caplog):
    # Bolt reads SLACK_BOT_TOKEN too; the client built from that token is the one used.
    from bot.app import build_asgi_app

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    with caplog.at_level("WARNING"):
        build_asgi_app(services)
    assert "will be unused" not in caplog.text
