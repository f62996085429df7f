"""The outbox on SQLite and PostgreSQL: once per key, once per delivery, at Slack's pace,
failures recorded with their reason, 429s holding back the workspace."""

import asyncio
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.identity import ChannelRef
from bot.outbox.models import Kind, State
from bot.outbox.queue import cancel_pending, deliveries, enqueue, request_delete, request_update
from handlers.slack.sender import METADATA_EVENT
from tests.bot.outbox.conftest import TEMPLATE, post_to, rows, set_row
from tests.conftest import BOT_TOKEN, TEAM


async def test_enqueue_twice_by_key_stores_one_row(sessions, clock):
    target = ChannelRef("slack", TEAM, "C1")
    async with sessions() as session:
        first = await enqueue(session, key="a:1", target=target, template=TEMPLATE,
                              data={"text": "x"})
        again = await enqueue(session, key="a:1", target=target, template=TEMPLATE,
                              data={"text": "y"})
        await session.commit()
    assert first is not None and again is None
    assert [row.data for row in await rows(sessions)] == [{"text": "x"}]


async def test_a_post_carries_its_delivery_in_metadata_and_is_sent_with_its_ts(
        dispatcher, sessions, slack_api, clock):
    [delivery_id] = await post_to(sessions, ["C1"], clock=clock)
    assert await dispatcher.run_once() == 1
    [posted] = slack_api.messages("C1")
    assert posted["text"] == "hallo C1 (nl)"
    assert posted["metadata"] == {"event_type": METADATA_EVENT,
                                  "event_payload": {"delivery": delivery_id}}
    [row] = await rows(sessions)
    assert (row.state, row.message_id, row.conversation_id, row.attempts) == (
        State.SENT, posted["ts"], "C1", 1)
    assert await dispatcher.run_once() == 0


async def test_not_yet_due_waits_for_its_time(dispatcher, sessions, slack_api, clock):
    await post_to(sessions, ["C1"], clock=clock, not_before=clock() + timedelta(hours=1))
    assert await dispatcher.run_once() == 0
    assert await dispatcher.run_once(clock() + timedelta(hours=1)) == 1
    assert len(slack_api.messages("C1")) == 1


async def test_two_dispatchers_racing_on_the_same_rows_send_each_once(
        make_dispatcher, sessions, slack_api, clock):
    channels = [f"C{n}" for n in range(20)]
    await post_to(sessions, channels, clock=clock)
    first, second = make_dispatcher(), make_dispatcher()
    await asyncio.gather(first.run_once(), second.run_once(), first.run_once())
    assert all(len(slack_api.messages(channel)) == 1 for channel in channels)
    assert {row.state for row in await rows(sessions)} == {State.SENT}
    assert len(slack_api.calls_to("chat.postMessage")) == 20


async def test_order_is_kept_within_a_channel(dispatcher, sessions, slack_api, clock):
    target = ChannelRef("slack", TEAM, "C1")
    async with sessions() as session:
        for n in range(5):
            await enqueue(session, key=f"o:{n}", target=target, template=TEMPLATE,
                          data={"text": f"m{n}"}, not_before=clock())
        await session.commit()
    await post_to(sessions, ["C2", "C3"], clock=clock)
    await dispatcher.run_once()
    assert [m["text"] for m in slack_api.messages("C1")] == [f"m{n} (nl)" for n in range(5)]


async def test_cancel_pending_withdraws_what_did_not_go_out(dispatcher, sessions, slack_api,
                                                            clock):
    await post_to(sessions, ["C1"], clock=clock, topic="t:1")
    await dispatcher.run_once()
    await post_to(sessions, ["C2", "C3"], clock=clock, topic="t:1", prefix="later")
    async with sessions() as session:
        assert await cancel_pending(session, topic="t:1") == 2
        await session.commit()
    await dispatcher.run_once()
    assert slack_api.messages("C2") == [] and slack_api.messages("C3") == []
    async with sessions() as session:
        states = [row.state for row in await deliveries(session, topic="t:1")]
    assert states == [State.SENT, State.CANCELLED, State.CANCELLED]


async def test_request_update_coalesces_into_one_chat_update(dispatcher, sessions, slack_api,
                                                             clock):
    await post_to(sessions, ["C1"], clock=clock)
    await dispatcher.run_once()
    [post] = await rows(sessions, kind=Kind.POST)
    for count in range(5):
        async with sessions() as session:
            await request_update(session, of=post, data={"text": f"gelezen {count}"},
                                 delay=timedelta(seconds=2), now=clock())
            await session.commit()
    [update_row] = await rows(sessions, kind=Kind.UPDATE)
    assert await dispatcher.run_once() == 0  # within the delay
    await dispatcher.run_once(clock.advance(seconds=2))
    assert len(slack_api.calls_to("chat.update")) == 1
    assert slack_api.messages("C1")[0]["text"] == "gelezen 4 (nl)"
    # After it ran, a new request re-arms the same row.
    async with sessions() as session:
        await request_update(session, of=post, data={"text": "gelezen 5"}, now=clock())
        await session.commit()
    await dispatcher.run_once()
    assert [row.id for row in await rows(sessions, kind=Kind.UPDATE)] == [update_row.id]
    assert len(slack_api.calls_to("chat.update")) == 2
    assert slack_api.messages("C1")[0]["text"] == "gelezen 5 (nl)"


async def test_an_update_requested_while_sending_runs_again(dispatcher, sessions, slack_api,
                                                            clock):
    await post_to(sessions, ["C1"], clock=clock)
    await dispatcher.run_once()
    [post] = await rows(sessions, kind=Kind.POST)
    async with sessions() as session:
        await request_update(session, of=post, data={"text": "een"}, now=clock())
        await session.commit()
    [update_row] = await rows(sessions, kind=Kind.UPDATE)
    await set_row(sessions, update_row.id, state=State.SENDING)  # a send under way
    async with sessions() as session:
        await request_update(session, of=post, data={"text": "twee"}, now=clock())
        await session.commit()
    await dispatcher.run_once()
    assert slack_api.messages("C1")[0]["text"] == "twee (nl)"
    [update_row] = await rows(sessions, kind=Kind.UPDATE)
    assert update_row.state == State.SENT


async def test_request_delete_removes_the_post(dispatcher, sessions, slack_api, clock):
    await post_to(sessions, ["C1", "C2"], clock=clock)
    await dispatcher.run_once()
    for post in await rows(sessions, kind=Kind.POST):
        async with sessions() as session:
            await request_delete(session, of=post)
            await session.commit()
    await dispatcher.run_once()
    assert slack_api.messages("C1") == [] and slack_api.messages("C2") == []
    assert {row.state for row in await rows(sessions, kind=Kind.DELETE)} == {State.SENT}


async def test_permanent_failures_are_recorded_once_with_their_reason(
        dispatcher, sessions, slack_api, clock):
    slack_api.add_channel("CGONE", exists=False)
    slack_api.add_channel("CARCH", is_archived=True)
    slack_api.add_channel("CRESTR", restricted=True)
    await post_to(sessions, ["CGONE", "CARCH", "CRESTR", "COK"], clock=clock)
    await dispatcher.run_once()
    await dispatcher.run_once(clock.advance(minutes=10))
    by_channel = {row.channel_id: row for row in await rows(sessions)}
    assert {c: (r.state, r.error, r.attempts) for c, r in by_channel.items()} == {
        "CGONE": (State.FAILED, "channel_not_found", 1),
        "CARCH": (State.FAILED, "is_archived", 1),
        "CRESTR": (State.FAILED, "restricted_action", 1),
        "COK": (State.SENT, None, 1),
    }
    assert len([c for c in slack_api.failed_calls() if c.method == "chat.postMessage"]) == 3


async def test_transient_errors_are_retried_with_back_off_then_failed(
        make_dispatcher, sessions, slack_api, clock):
    dispatcher = make_dispatcher(sessions=sessions, outbox_max_attempts=3)
    slack_api.fail_channel("C1", "service_unavailable")
    [delivery_id] = await post_to(sessions, ["C1"], clock=clock)
    await dispatcher.run_once()
    [row] = await rows(sessions)
    assert (row.state, row.error, row.attempts) == (State.PENDING, "service_unavailable", 1)
    assert row.not_before.replace(tzinfo=None) >= (clock() + timedelta(seconds=2)).replace(
        tzinfo=None)
    assert await dispatcher.run_once(clock.advance(seconds=1)) == 0  # still backing off
    await dispatcher.run_once(clock.advance(seconds=1))
    [row] = await rows(sessions)
    assert (row.state, row.attempts) == (State.PENDING, 2)
    await dispatcher.run_once(clock.advance(seconds=4))
    [row] = await rows(sessions)
    assert (row.state, row.error, row.attempts) == (State.FAILED, "service_unavailable", 3)
    assert slack_api.messages("C1") == []
    assert delivery_id == row.id


async def test_a_transient_error_then_success(dispatcher, sessions, slack_api, clock):
    slack_api.fail_channel("C1", "internal_error", times=1)
    await post_to(sessions, ["C1"], clock=clock)
    await dispatcher.run_once()
    await dispatcher.run_once(clock.advance(seconds=2))
    [row] = await rows(sessions)
    assert (row.state, row.error, row.attempts) == (State.SENT, None, 2)
    assert len(slack_api.messages("C1")) == 1
    # A 500 may have posted: the channel was looked at before posting again.
    assert slack_api.calls_to("conversations.history")


async def test_a_429_holds_back_every_delivery_of_the_workspace(make_dispatcher, sessions,
                                                                slack_api, clock):
    # 10 calls/s: the next call is not under way yet when the 429 comes back.
    dispatcher = make_dispatcher(sessions=sessions, outbox_workspace_rate=10.0)
    slack_api.rate_limit("chat.postMessage", times=1, retry_after=30)
    channels = [f"C{n}" for n in range(6)]
    await post_to(sessions, channels, clock=clock)
    start = clock()
    await dispatcher.run_once()
    assert slack_api.rate_limited_count == 1
    assert slack_api.calls_to("chat.postMessage") == []  # nobody went after the 429
    waiting = await rows(sessions)
    assert {row.state for row in waiting} == {State.PENDING}
    assert {row.attempts for row in waiting} == {0}  # a 429 is not a failure
    assert all(row.not_before.replace(tzinfo=None) >= (start + timedelta(seconds=30))
               .replace(tzinfo=None) for row in waiting)
    assert await dispatcher.run_once(clock.advance(seconds=20)) == 0
    await dispatcher.run_once(clock.advance(seconds=10))
    assert all(len(slack_api.messages(channel)) == 1 for channel in channels)
    assert slack_api.rate_limited_count == 1


async def test_per_channel_and_workspace_pace_stay_within_the_fakes_limits(
        make_dispatcher, sessions, slack_api, clock):
    slack_api.set_channel_rate("chat.postMessage", per_second=5.0)
    slack_api.set_workspace_rate(per_second=20.0)
    dispatcher = make_dispatcher(sessions=sessions, outbox_channel_rate=5.0,
                                 outbox_workspace_rate=20.0)
    target = ChannelRef("slack", TEAM, "C1")
    async with sessions() as session:
        for n in range(4):
            await enqueue(session, key=f"p:{n}", target=target, template=TEMPLATE,
                          data={"text": f"m{n}"}, not_before=clock())
        await session.commit()
    await post_to(sessions, [f"C{n}" for n in range(2, 20)], clock=clock)
    await dispatcher.run_once()
    assert slack_api.rate_limited_count == 0
    assert len(slack_api.calls_to("chat.postMessage")) == 22
    assert [m["text"] for m in slack_api.messages("C1")] == [f"m{n} (nl)" for n in range(4)]


async def test_a_public_channel_is_joined_a_private_one_fails_not_in_channel(
        dispatcher, sessions, slack_api, clock):
    slack_api.add_channel("CPUB", bot_is_member=False)
    slack_api.add_channel("GPRIV", is_private=True, bot_is_member=False)
    await post_to(sessions, ["CPUB", "GPRIV"], clock=clock)
    await dispatcher.run_once()
    by_channel = {row.channel_id: row for row in await rows(sessions)}
    assert by_channel["CPUB"].state == State.SENT
    assert (by_channel["GPRIV"].state, by_channel["GPRIV"].error) == (State.FAILED,
                                                                      "not_in_channel")
    assert len(slack_api.messages("CPUB")) == 1 and slack_api.messages("GPRIV") == []
    assert [c["channel"] for c in slack_api.calls_to("conversations.join")] == ["CPUB"]


async def test_a_dm_to_a_person_lands_in_their_dm(dispatcher, sessions, slack_api, clock):
    async with sessions() as session:
        await enqueue(session, key="dm:1", target=ChannelRef("slack", TEAM, user_id="U7"),
                      template=TEMPLATE, data={"text": "hoi"}, not_before=clock())
        await session.commit()
    await dispatcher.run_once()
    [row] = await rows(sessions)
    assert (row.state, row.conversation_id) == (State.SENT, "DU7")
    assert len(slack_api.messages("DU7")) == 1


async def test_a_view_loader_that_returns_none_cancels(make_dispatcher, sessions, slack_api,
                                                       clock):
    dispatcher = make_dispatcher(sessions=sessions)

    async def gone(_session, _data):
        return None

    dispatcher.views[TEMPLATE] = gone
    await post_to(sessions, ["C1"], clock=clock)
    await dispatcher.run_once()
    assert [row.state for row in await rows(sessions)] == [State.CANCELLED]
    assert slack_api.messages("C1") == []


async def test_reconcile_finds_a_post_by_its_metadata_and_does_not_post_again(
        dispatcher, sessions, slack_api, clock):
    [delivery_id] = await post_to(sessions, ["C1"], clock=clock)
    # A process claimed it and posted, then died before it could record the ts.
    await set_row(sessions, delivery_id, state=State.SENDING, claimed_at=clock(), attempts=1)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack_api.base_url)
    slack_api.add_message("C1", "iemand anders")
    posted = await client.chat_postMessage(
        channel="C1", text="hallo C1 (nl)",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery": delivery_id}})
    slack_api.add_message("C1", "nog iemand")
    assert await dispatcher.reconcile() == 0  # within the lease: its process may be alive
    assert await dispatcher.reconcile(clock.advance(seconds=61)) == 1
    [row] = await rows(sessions)
    assert (row.state, row.message_id, row.conversation_id) == (State.SENT, posted["ts"], "C1")
    await dispatcher.run_once()
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert slack_api.calls_to("conversations.history")[0]["include_all_metadata"] in (
        True, "true", "1", 1)


async def test_reconcile_puts_a_post_not_found_back_and_it_is_sent_once(
        dispatcher, sessions, slack_api, clock):
    [lost, other] = await post_to(sessions, ["C1", "C2"], clock=clock)
    await set_row(sessions, lost, state=State.SENDING, claimed_at=clock(), attempts=1)
    await dispatcher.run_once()  # C2 goes; C1 is someone else's claim
    assert slack_api.messages("C1") == []
    assert await dispatcher.reconcile(clock.advance(seconds=61)) == 1
    [row, _] = await rows(sessions)
    assert (row.state, row.attempts) == (State.PENDING, 0)
    await dispatcher.run_once()
    await dispatcher.reconcile(clock.advance(seconds=61))
    assert len(slack_api.messages("C1")) == 1 and len(slack_api.messages("C2")) == 1
    assert {row.state for row in await rows(sessions)} == {State.SENT}
    assert other


async def test_reconcile_redoes_updates_and_deletes(dispatcher, sessions, slack_api, clock):
    await post_to(sessions, ["C1"], clock=clock)
    await dispatcher.run_once()
    [post] = await rows(sessions, kind=Kind.POST)
    async with sessions() as session:
        await request_update(session, of=post, data={"text": "nieuw"}, now=clock())
        await session.commit()
    [update_row] = await rows(sessions, kind=Kind.UPDATE)
    await set_row(sessions, update_row.id, state=State.SENDING, claimed_at=clock())
    await dispatcher.reconcile(clock.advance(seconds=61))
    await dispatcher.run_once()
    assert slack_api.messages("C1")[0]["text"] == "nieuw (nl)"


async def test_an_upload_is_found_by_title_after_a_crash(dispatcher, sessions, slack_api,
                                                         clock):
    async with sessions() as session:
        delivery_id = await enqueue(
            session, key="f:1", target=ChannelRef("slack", TEAM, "C1"), template="test.file",
            data={"text": "BEGIN:VCALENDAR", "filename": "overleg.ics", "title": "Overleg"},
            kind=Kind.UPLOAD, not_before=clock())
        await session.commit()
    await dispatcher.run_once()
    [row] = await rows(sessions)
    assert row.state == State.SENT and len(slack_api.files) == 1
    # As if the process died right after the upload.
    await set_row(sessions, delivery_id, state=State.SENDING, claimed_at=clock(), attempts=1)
    await dispatcher.reconcile(clock.advance(seconds=61))
    await dispatcher.run_once()
    [row] = await rows(sessions)
    assert row.state == State.SENT and len(slack_api.files) == 1


async def test_a_timeout_is_looked_up_before_posting_again(dispatcher, sessions, slack_api,
                                                          clock):
    [delivery_id] = await post_to(sessions, ["C1"], clock=clock)
    # The post went through, but its answer was lost (a timeout): the outcome is unclear.
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack_api.base_url)
    await client.chat_postMessage(
        channel="C1", text="hallo C1 (nl)",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery": delivery_id}})
    await set_row(sessions, delivery_id, attempts=1, error="timeout",
                  not_before=clock() - timedelta(seconds=1))
    slack_api.rate_limit("conversations.history", times=1, retry_after=5)
    await dispatcher.run_once()
    [row] = await rows(sessions)
    assert (row.state, row.error) == (State.PENDING, "timeout")  # still unclear after the 429
    await dispatcher.run_once(clock.advance(seconds=5))
    [row] = await rows(sessions)
    assert row.state == State.SENT
    assert len(slack_api.messages("C1")) == 1


async def test_a_call_waits_for_its_turn_after_the_acks(make_dispatcher, sessions, slack_api,
                                                        clock):
    asked, acks_done = asyncio.Event(), asyncio.Event()

    async def give_way() -> None:
        asked.set()
        await acks_done.wait()

    dispatcher = make_dispatcher(sessions=sessions, give_way=give_way)
    await post_to(sessions, ["C1"], clock=clock)
    sending = asyncio.create_task(dispatcher.run_once())
    await asked.wait()
    assert slack_api.calls_to("chat.postMessage") == []
    assert {row.state for row in await rows(sessions)} == {State.PENDING}  # not even claimed
    acks_done.set()
    assert await sending == 1
    assert len(slack_api.messages("C1")) == 1
