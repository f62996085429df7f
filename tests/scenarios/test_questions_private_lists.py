"""A coordinator's lists hold other people's questions: they go to the coordinator only,
wherever asked (a mention in a channel gets an ephemeral reply; a command and a DM are
private already)."""

import pytest

from tests.conftest import COORDINATOR, SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver

OUT_OF_SCOPE = "Hoeveel vakantiedagen heb ik dit jaar nog over?"


@pytest.fixture
def slack(http, bot_url, slack_api) -> SlackDriver:
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


def _mention(text: str, *, user: str, ts: str) -> dict:
    return {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "ts": ts,
            "channel": "C1", "event_ts": ts}


@pytest.mark.parametrize("keyword", ["onbeantwoord", "feedback"])
async def test_a_coordinator_list_asked_in_a_channel_is_shown_to_the_coordinator_only(
        slack, keyword):
    _, asked = await slack.command(OUT_OF_SCOPE, user="U2")
    await slack.responses(asked)
    await slack.event(_mention(keyword, user=COORDINATOR, ts="1700000100.000100"))
    [shown] = await slack.slack.wait_for("chat.postEphemeral")
    assert (shown["channel"], shown["user"]) == ("C1", COORDINATOR)
    assert shown["thread_ts"] == "1700000100.000100"
    if keyword == "onbeantwoord":
        assert OUT_OF_SCOPE in str(shown["blocks"])
    # Nothing went to the channel: a later public answer is the only chat.postMessage.
    await slack.event(_mention("Hoe deel ik het bericht op LinkedIn?", user="U3",
                               ts="1700000100.000200"))
    [public] = await slack.slack.wait_for("chat.postMessage")
    assert public["thread_ts"] == "1700000100.000200"
    assert OUT_OF_SCOPE not in str(public)


async def test_someone_else_asking_for_the_list_in_a_channel_is_refused_privately(slack):
    await slack.event(_mention("onbeantwoord", user="U1", ts="1700000100.000300"))
    [refusal] = await slack.slack.wait_for("chat.postEphemeral")
    assert refusal["user"] == "U1"
    assert "alleen coördinatoren" in refusal["text"]
    assert slack.slack.calls_to("chat.postMessage") == []
