"""Accepted questions are durable: stored with where the answer goes, answered once, and
answered by the next start when the process that acked them could not."""

import asyncio
import time

import pytest
from sqlmodel import select

from bot.identity import Person
from bot.questions.models import QuestionRequest, RequestState
from bot.questions.requests import CLAIM_LEASE, MAX_ATTEMPTS, Incoming
from tests.conftest import SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver
from tests.fakes.signing import FORM_CONTENT_TYPE, slash_command_body

QUESTION = "Hoe deel ik het convenantbericht intern met mijn collega's?"


@pytest.fixture
def slack(http, bot_url, slack_api) -> SlackDriver:
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


@pytest.fixture
def answering(services, slack_api) -> SlackDriver:
    """The Slack app is built (its client answers requests), but the process has not started:
    the test says when open requests are looked for."""
    from bot.app import build_asgi_app

    build_asgi_app(services)
    return SlackDriver(None, "", slack_api, secret=SIGNING_SECRET, team_id=TEAM)


async def _requests(services) -> list[QuestionRequest]:
    async with services.sessions() as session:
        return list(await session.exec(select(QuestionRequest).order_by(QuestionRequest.id)))


async def _settled_states(services) -> list[str]:
    """The requests' states once none is being answered (the answer can reach Slack a moment
    before its request is marked answered)."""
    deadline = time.monotonic() + 10
    while True:
        states = [r.state for r in await _requests(services)]
        if RequestState.SENDING not in states or time.monotonic() > deadline:
            return states
        await asyncio.sleep(0.02)


def _stored_by_a_process_that_died(slack_api, key: str, *, user: str = "U1") -> Incoming:
    return Incoming(Person("slack", TEAM, user), claim=f"command:{key}", text=QUESTION,
                    channel_id="C1", response_url=slack_api.response_url(key))


async def test_the_same_signed_command_sent_three_times_is_answered_once(slack, services):
    body = slash_command_body("/vraag", QUESTION, user_id="U1", channel_id="C1", team_id=TEAM,
                              response_url=slack.slack.response_url("replayed"))
    sent_at = int(time.time())
    replies = [await slack.post(body, FORM_CONTENT_TYPE, timestamp=sent_at) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    await slack.responses("replayed")
    states = await _settled_states(services)
    await services.requests.answer_open()  # whatever could still be open, is answered now
    assert len(slack.slack.calls_to("response_url")) == 1
    assert states == [RequestState.ANSWERED]


async def test_a_question_acked_but_not_answered_is_answered_once_at_the_next_start(
        slack_api, services):
    await services.requests.accept(_stored_by_a_process_that_died(slack_api, "left"))
    from bot.app import build_asgi_app

    build_asgi_app(services)  # the Slack app of the next process: its client answers
    await services.start(scheduler=False)  # looks for open requests first thing
    driver = SlackDriver(None, "", slack_api, secret=SIGNING_SECRET, team_id=TEAM)
    [answer] = await driver.responses("left")
    assert "Bron:" in str(answer["blocks"])
    assert await services.requests.answer_open() == 0
    assert len(slack_api.calls_to("response_url")) == 1


async def test_an_expired_response_url_is_answered_in_a_direct_message(
        answering, services, clock):
    await services.requests.accept(
        _stored_by_a_process_that_died(answering.slack, "old", user="U7"))
    clock.advance(minutes=31)
    assert await services.requests.answer_open() == 1
    [posted] = await answering.slack.wait_for("chat.postMessage")
    assert posted["channel"] == "U7"  # Slack posts to a user id in the bot's DM with them
    assert "Bron:" in str(posted["blocks"])
    assert answering.slack.calls_to("response_url") == []


async def test_racing_answerers_deliver_one_answer(answering, services):
    request_id = await services.requests.accept(
        _stored_by_a_process_that_died(answering.slack, "raced"))
    assert request_id is not None
    outcomes = await asyncio.gather(*(services.requests.answer(request_id) for _ in range(6)))
    assert sorted(outcomes) == [False] * 5 + [True]
    await answering.responses("raced")
    assert len(answering.slack.calls_to("response_url")) == 1


async def test_a_mention_that_cannot_be_delivered_is_retried_then_given_up(slack, services):
    slack.slack.fail("chat.postMessage", "internal_error", times=10)
    await slack.event({"type": "app_mention", "user": "U1", "text": f"<@UBOT> {QUESTION}",
                       "ts": "1700000200.000100", "channel": "C1",
                       "event_ts": "1700000200.000100"})
    for _ in range(100):  # the answer right after the ack is the first attempt
        await services.requests.answer_open()
        [request] = await _requests(services)
        if request.state == RequestState.FAILED:
            break
        await asyncio.sleep(0.05)
    assert (request.state, request.attempts) == (RequestState.FAILED, MAX_ATTEMPTS)


async def test_an_answer_interrupted_while_sending_is_sent_again_after_the_lease(
        answering, services, clock, caplog):
    request_id = await services.requests.accept(
        _stored_by_a_process_that_died(answering.slack, "mid-send"))
    assert await services.requests._claim(request_id) is not None  # then the process died
    assert await services.requests.answer_open() == 0
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    assert await services.requests.answer_open() == 1
    assert len(await answering.responses("mid-send")) == 1
    assert f"[{request_id}]" in caplog.text and "may arrive twice" in caplog.text


async def test_an_answer_found_in_its_thread_after_a_crash_is_not_posted_again(
        answering, services, clock):
    fake = answering.slack
    parent = fake.add_message("C1", f"<@UBOT> {QUESTION}", user="U1")
    request_id = await services.requests.accept(Incoming(
        Person("slack", TEAM, "U1"), claim="EvPOSTED", text=QUESTION, channel_id="C1",
        thread_ts=parent["ts"]))
    assert await services.requests._claim(request_id) is not None
    # The answer went out, then the process died before it could record that.
    fake.add_message("C1", "Het antwoord", user="UBOT", thread_ts=parent["ts"],
                     metadata={"event_type": "convenantbot_answer",
                               "event_payload": {"request": request_id}})
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    await services.requests.answer_open()
    assert fake.calls_to("chat.postMessage") == []
    assert [r.state for r in await _requests(services)] == [RequestState.ANSWERED]


async def test_a_command_through_bolt_as_socket_mode_delivers_it_is_stored_and_answered(
        services, slack_api):
    """Over HTTP the endpoint takes /vraag past Bolt; Socket Mode hands it to Bolt's listener,
    which must take the same steps."""
    from slack_bolt.async_app import AsyncBoltRequest

    from bot.app import build_slack_client
    from handlers.slack import build_slack_app

    app = build_slack_app(services, build_slack_client(services.settings))
    await services.start(scheduler=False)
    body = {"command": "/vraag", "text": QUESTION, "team_id": TEAM, "user_id": "U7",
            "channel_id": "C1", "response_url": slack_api.response_url("socket"),
            "trigger_id": "t1"}
    response = await app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200
    driver = SlackDriver(None, "", slack_api, secret=SIGNING_SECRET, team_id=TEAM)
    [answer] = await driver.responses("socket")
    assert "Bron:" in str(answer["blocks"])
    [request] = await _requests(services)
    assert (request.user_id, request.text) == ("U7", QUESTION)
    assert request.claim.startswith("command:")


async def test_the_look_for_open_requests_waits_for_its_turn_after_the_acks(
        slack_api, services, clock):
    from bot.questions.requests import QuestionRequests

    await services.requests.accept(_stored_by_a_process_that_died(slack_api, "later"))
    asked, acks_done, answered = asyncio.Event(), asyncio.Event(), asyncio.Event()
    delivered: list[str] = []

    async def give_way() -> None:
        asked.set()
        await acks_done.wait()

    async def deliver(request, reply, now) -> None:
        delivered.append(request.response_url)
        answered.set()

    requests = QuestionRequests(services.sessions, services.conversation, clock=clock,
                                give_way=give_way)
    requests.add_deliverer("slack", deliver)
    await requests.start()
    try:
        await asked.wait()
        assert delivered == []
        acks_done.set()
        await asyncio.wait_for(answered.wait(), 10)
        assert delivered == [slack_api.response_url("later")]
    finally:
        await requests.stop()
