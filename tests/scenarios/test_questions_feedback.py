"""Feedback clicks as Slack sends them: double clicks and racing votes, on both databases."""

import asyncio

import pytest
from sqlmodel import select

from bot.questions.models import Feedback
from handlers.slack import ids
from tests.conftest import SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver

QUESTION = "Hoe deel ik het convenantbericht intern met mijn collega's?"


@pytest.fixture
def slack(http, bot_url, slack_api) -> SlackDriver:
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


async def _question_id(slack: SlackDriver) -> str:
    _, key = await slack.command(QUESTION)
    [reply] = await slack.responses(key)
    buttons = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return buttons[0]["value"]


async def _votes(services) -> list[tuple[str, bool]]:
    async with services.sessions() as session:
        return [(f.user_id, f.helpful) for f in await session.exec(select(Feedback))]


async def test_thumbs_down_then_up_back_to_back_keeps_the_last_and_confirms_both(
        slack, services):
    question_id = await _question_id(slack)
    for round_number in range(5):
        user = f"U{round_number}"
        # The second click follows as soon as the first is acked; both are answered later.
        down, down_key = await slack.click(ids.FEEDBACK_UNHELPFUL, question_id, user=user)
        up, up_key = await slack.click(ids.FEEDBACK_HELPFUL, question_id, user=user)
        assert (down.status_code, up.status_code) == (200, 200)
        [down_thanks] = await slack.responses(down_key)
        [up_thanks] = await slack.responses(up_key)
        assert "niet hielp" in down_thanks["text"]
        assert "Bedankt voor je feedback" in up_thanks["text"]
    assert sorted(await _votes(services)) == [(f"U{n}", True) for n in range(5)]
    assert await services.desk.unhelpful(platform="slack", workspace_id=TEAM) == []


async def test_many_simultaneous_clicks_store_one_vote_and_each_is_confirmed(slack, services):
    question_id = await _question_id(slack)
    clicks = [slack.click(ids.FEEDBACK_HELPFUL if n % 2 else ids.FEEDBACK_UNHELPFUL,
                          question_id, user="UDOUBLE") for n in range(10)]
    sent = await asyncio.gather(*clicks)
    assert [response.status_code for response, _ in sent] == [200] * 10
    for _, key in sent:
        [thanks] = await slack.responses(key)
        assert "Bedankt" in thanks["text"]
    assert len(await _votes(services)) == 1
    assert not [c for c in slack.slack.calls if c.error]


async def test_a_vote_received_earlier_never_overwrites_a_later_one(services):
    from bot.identity import Person

    person = Person("slack", TEAM, "ULATE")
    asked = await services.desk.ask(person, QUESTION)
    await services.desk.record_feedback(person, asked.id, helpful=True, received_ns=2_000)
    await services.desk.record_feedback(person, asked.id, helpful=False, received_ns=1_000)
    assert await _votes(services) == [("ULATE", True)]
