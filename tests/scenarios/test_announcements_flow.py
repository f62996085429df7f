"""Announcements as a coordinator and colleagues use them in Slack: signed commands, modal
submissions and clicks into the real app, the bot's Web API calls answered by the fake Slack."""

from datetime import timedelta

import pytest

from bot.announcements.desk import AnnouncementDesk
from bot.announcements.models import Status
from handlers.slack import announcements_ids as ids
from tests.conftest import COORDINATOR
from tests.fakes.block_kit import validate_blocks
from tests.fakes.views import click_in_channel, state_with, submit_view, view_action

TITLE = "Convenant getekend!"
BODY = "Vandaag hebben we *samen* getekend."


def buttons(message: dict) -> dict[str, dict]:
    return {element["action_id"]: element for block in message.get("blocks", [])
            if block["type"] == "actions" for element in block["elements"]}


def everything(message: dict) -> str:
    return (message.get("text") or "") + "\n" + str(message.get("blocks") or "")


async def open_modal(slack, slack_api, *, user: str = COORDINATOR) -> dict:
    before = len(slack_api.calls_to("views.open"))
    response, _ = await slack.command("", command="/aankondiging", user=user)
    assert response.status_code == 200
    await slack_api.wait_for("views.open", count=before + 1)
    return list(slack_api.views.values())[-1]


async def compose(slack, slack_api, *, channels=("C1", "C2"), **inputs) -> dict:
    """Opens the modal, submits it and returns the preview the coordinator gets."""
    view = await open_modal(slack, slack_api)
    before = len(slack_api.calls_to("chat.postEphemeral"))
    values = state_with(view, **{ids.TITLE_INPUT: TITLE, ids.BODY_INPUT: BODY,
                                 ids.CHANNELS_INPUT: list(channels), **inputs})
    response = await submit_view(slack, view, values, user=COORDINATOR)
    assert response.status_code == 200 and not response.text
    [*_, preview] = await slack_api.wait_for("chat.postEphemeral", count=before + 1)
    return preview


async def press(slack, preview: dict, action_id: str, *, user: str = COORDINATOR) -> dict:
    button = buttons(preview)[action_id]
    _, key = await slack.click(action_id, button["value"], user=user)
    [reply] = await slack.responses(key)
    return reply


async def settle(slack_api, services, clock, predicate, *, rounds: int = 5):
    """Moves the bot's clock past the update debounce until `predicate()` holds."""
    for _ in range(rounds):
        value = predicate()
        if value:
            return value
        clock.advance(seconds=3)
        services.outbox.wake()
        try:
            return await slack_api.wait_until(predicate, timeout=1.0)
        except AssertionError:
            continue
    return await slack_api.wait_until(predicate, timeout=1.0)


async def test_command_modal_preview_send_and_live_report(slack, slack_api, services, clock,
                                                          tracebacks):
    view = await open_modal(slack, slack_api)
    assert validate_blocks(view["blocks"], max_blocks=100) == []
    # Choosing the joint internal template fills the modal in (views.update).
    await view_action(slack, view, {
        "type": "static_select", "action_id": ids.TEMPLATE_SELECT, "block_id": ids.TEMPLATE_BLOCK,
        "selected_option": {"value": "gezamenlijk-intern",
                            "text": {"type": "plain_text", "text": "x"}}}, user=COORDINATOR)
    [update] = await slack_api.wait_for("views.update")
    filled = slack_api.views[view["id"]]
    title_input = next(b for b in filled["blocks"]
                       if b.get("element", {}).get("action_id") == ids.TITLE_INPUT)
    assert "Convenant Samenwerking Voorbeeldregio" in title_input["element"]["initial_value"]
    body_input = next(b for b in filled["blocks"]
                      if b.get("element", {}).get("action_id") == ids.BODY_INPUT)
    assert "Gemeente Voorbeeldstad" in body_input["element"]["initial_value"]
    assert "12 maart 2026" in body_input["element"]["initial_value"]

    before = len(slack_api.calls_to("chat.postEphemeral"))
    values = state_with(filled, **{ids.CHANNELS_INPUT: ["C1", "C2"],
                                   ids.IMAGE_INPUT: "https://voorbeeld.nl/foto.jpg"})
    response = await submit_view(slack, filled, values, user=COORDINATOR)
    assert response.status_code == 200
    [*_, preview] = await slack_api.wait_for("chat.postEphemeral", count=before + 1)
    assert preview["user"] == COORDINATOR
    assert "Voorbeeld" in everything(preview) and "<#C1>" in everything(preview)
    assert any(b["type"] == "image" for b in preview["blocks"])
    assert set(buttons(preview)) == {ids.SEND, ids.ADJUST, ids.DISCARD}
    assert validate_blocks(preview["blocks"]) == []

    reply = await press(slack, preview, ids.SEND)
    assert "Verstuurd naar 2" in reply["text"]
    posts = await slack_api.wait_until(
        lambda: slack_api.messages("C1") and slack_api.messages("C2")
        and [slack_api.messages("C1")[0], slack_api.messages("C2")[0]])
    for post in posts:
        assert "getekend" in post["text"]
        assert ids.READ in buttons(post)
        assert validate_blocks(post["blocks"]) == []
    # The report: one DM to the coordinator, updated to delivered with links to the posts.
    report = await settle(slack_api, services, clock, lambda: [
        m for m in slack_api.messages("DUCOORD")
        if "2 van 2 afgeleverd" in everything(m) and "test.slack.com/archives/C1" in everything(m)])
    assert len(slack_api.messages("DUCOORD")) == 1
    assert "Rapport" in everything(report[0])
    assert tracebacks() == []


@pytest.mark.parametrize(("inputs", "block"), [
    ({ids.TITLE_INPUT: ""}, ids.TITLE_BLOCK),
    ({ids.TITLE_INPUT: "x" * 151}, ids.TITLE_BLOCK),
    ({ids.BODY_INPUT: "  "}, ids.BODY_BLOCK),
    ({ids.BODY_INPUT: "x" * 3001}, ids.BODY_BLOCK),
    ({ids.IMAGE_INPUT: "javascript:alert(1)"}, ids.IMAGE_BLOCK),
    ({ids.CHANNELS_INPUT: []}, ids.CHANNELS_BLOCK),
    ({ids.WHEN_INPUT: ids.WHEN_LATER}, ids.SEND_AT_BLOCK),
    ({ids.WHEN_INPUT: ids.WHEN_LATER, ids.SEND_AT_INPUT: 1_600_000_000}, ids.SEND_AT_BLOCK),
])
async def test_every_bad_input_gets_an_error_on_its_field(slack, slack_api, services, inputs,
                                                          block):
    view = await open_modal(slack, slack_api)
    values = state_with(view, **{ids.TITLE_INPUT: TITLE, ids.BODY_INPUT: BODY,
                                 ids.CHANNELS_INPUT: ["C1"], **inputs})
    response = await submit_view(slack, view, values, user=COORDINATOR)
    answer = response.json()
    assert answer["response_action"] == "errors"
    [(block_id, message)] = answer["errors"].items()
    assert block_id.split(".")[0] == block
    assert message and "Exception" not in message
    assert await AnnouncementDesk.of(services).recent(_coordinator()) == []


async def test_non_coordinators_are_refused_everywhere(slack, slack_api, services):
    response, key = await slack.command("", command="/aankondiging", user="U_STAFF")
    [reply] = await slack.responses(key)
    assert "coördinatoren" in reply["text"]
    assert slack_api.calls_to("views.open") == []
    _, key = await slack.command("lijst", command="/aankondiging", user="U_STAFF")
    [reply] = await slack.responses(key)
    assert "coördinatoren" in reply["text"]
    view = await open_modal(slack, slack_api)
    values = state_with(view, **{ids.TITLE_INPUT: TITLE, ids.BODY_INPUT: BODY,
                                 ids.CHANNELS_INPUT: ["C1"]})
    refused = (await submit_view(slack, view, values, user="U_STAFF")).json()
    assert "coördinatoren" in str(refused["errors"])
    preview = await compose(slack, slack_api)
    for action in (ids.SEND, ids.DISCARD, ids.REPORT, ids.RECALL, ids.EDIT, ids.CANCEL):
        _, key = await slack.click(action, buttons(preview)[ids.SEND]["value"], user="U_STAFF")
        [reply] = await slack.responses(key)
        assert "coördinatoren" in reply["text"]
    assert slack_api.messages("C1") == []


async def test_bot_not_in_channel_private_gets_invite_advice(slack, slack_api, services, clock,
                                                             tracebacks):
    slack_api.add_channel("CPRIV", name="bestuur", is_private=True, bot_is_member=False)
    preview = await compose(slack, slack_api, channels=("C1", "CPRIV"))
    await press(slack, preview, ids.SEND)
    report = await settle(slack_api, services, clock, lambda: [
        m for m in slack_api.messages("DUCOORD") if "niet gelukt" in everything(m)])
    assert "/invite @Convenantbot" in everything(report[0])
    assert len(slack_api.messages("C1")) == 1
    assert slack_api.messages("CPRIV") == []
    assert tracebacks() == []


async def test_public_channel_the_bot_is_not_in(slack, slack_api, services, clock):
    slack_api.add_channel("CPUB", name="projecten", bot_is_member=False)
    preview = await compose(slack, slack_api, channels=("CPUB",))
    await press(slack, preview, ids.SEND)
    desk = AnnouncementDesk.of(services)

    async def outcome():
        [announcement] = await desk.recent(_coordinator())
        return (await desk.report(_coordinator(), announcement.id))["rows"][0]

    for _ in range(200):
        row = await outcome()
        if row["status"] != "waiting":
            break
        await slack_api.wait_until(lambda: True, timeout=0.05)
    # The outbox's Slack sender joins a public channel it is not in, and posts once.
    assert slack_api.calls_to("conversations.join")
    assert row["status"] == "delivered" and len(slack_api.messages("CPUB")) == 1


async def test_discard_and_adjust_from_the_preview(slack, slack_api, services):
    preview = await compose(slack, slack_api)
    before = len(slack_api.calls_to("views.open"))
    button = buttons(preview)[ids.ADJUST]
    await slack.click(ids.ADJUST, button["value"], user=COORDINATOR)
    await slack_api.wait_for("views.open", count=before + 1)
    reopened = list(slack_api.views.values())[-1]
    assert TITLE in str(reopened["blocks"])
    values = state_with(reopened, **{ids.TITLE_INPUT: "Nieuwe titel"})
    await submit_view(slack, reopened, values, user=COORDINATOR)
    [*_, second] = await slack_api.wait_for("chat.postEphemeral", count=2)
    assert "Nieuwe titel" in everything(second)
    assert buttons(second)[ids.SEND]["value"] == button["value"]  # the same draft
    reply = await press(slack, second, ids.DISCARD)
    assert "weggegooid" in reply["text"]
    reply = await press(slack, second, ids.SEND)
    assert "geannuleerd" in reply["text"]
    assert slack_api.messages("C1") == []


async def test_read_button_counts_one_per_person_live_on_each_post(slack, slack_api, services,
                                                                   clock):
    preview = await compose(slack, slack_api)
    await press(slack, preview, ids.SEND)
    [post] = await slack_api.wait_until(lambda: slack_api.messages("C2")
                                        and slack_api.messages("C1"))
    value = buttons(post)[ids.READ]["value"]
    for user, channel in (("U1", "C1"), ("U1", "C2"), ("U2", "C2")):
        _, key = await click_in_channel(slack, ids.READ, value, user=user, channel=channel,
                                        message=post)
        [reply] = await slack.responses(key)
        assert "gelezen" in reply["text"]
    await settle(slack_api, services, clock, lambda: len([
        m for m in slack_api.messages("C1") + slack_api.messages("C2")
        if "2 collega's hebben dit gelezen" in everything(m)]) == 2)
    report = await settle(slack_api, services, clock, lambda: [
        m for m in slack_api.messages("DUCOORD") if "2 keer gelezen" in everything(m)])
    assert "1 gelezen" in everything(report[0])


async def test_list_edit_and_recall_everywhere(slack, slack_api, services, clock):
    preview = await compose(slack, slack_api)
    await press(slack, preview, ids.SEND)
    await slack_api.wait_until(lambda: slack_api.messages("C1") and slack_api.messages("C2"))
    _, key = await slack.command("lijst", command="/aankondiging", user=COORDINATOR)
    [listing] = await slack.responses(key)
    assert TITLE in everything(listing)
    assert validate_blocks(listing["blocks"]) == []
    actions = buttons(listing)
    assert actions[ids.RECALL]["confirm"] and actions[ids.EDIT]["confirm"]

    # Edit: the modal opens with the text, the save updates both posts.
    before = len(slack_api.calls_to("views.open"))
    await slack.click(ids.EDIT, actions[ids.EDIT]["value"], user=COORDINATOR)
    await slack_api.wait_for("views.open", count=before + 1)
    modal = list(slack_api.views.values())[-1]
    values = state_with(modal, **{ids.BODY_INPUT: "Aangepaste tekst."})
    response = await submit_view(slack, modal, values, user=COORDINATOR)
    assert response.status_code == 200 and not response.text
    await settle(slack_api, services, clock, lambda: len([
        m for m in slack_api.messages("C1") + slack_api.messages("C2")
        if "Aangepaste tekst." in everything(m)]) == 2)

    # Recall: both posts are deleted; later clicks get a clear answer.
    post_value = actions[ids.RECALL]["value"]
    _, key = await slack.click(ids.RECALL, post_value, user=COORDINATOR)
    [reply] = await slack.responses(key)
    assert "Ingetrokken" in reply["text"]
    # (request_delete times its row by the real clock, so the test clock moves past it.)
    await settle(slack_api, services, clock, lambda: not slack_api.messages("C1")
                 and not slack_api.messages("C2"))
    _, key = await click_in_channel(slack, ids.READ, post_value, user="U1", channel="C1")
    [reply] = await slack.responses(key)
    assert "ingetrokken" in reply["text"]
    _, key = await slack.click(ids.RECALL, post_value, user=COORDINATOR)
    [reply] = await slack.responses(key)
    assert "ingetrokken" in reply["text"]


async def test_unknown_announcement_gets_a_clear_answer(slack, slack_api, tracebacks):
    for action in (ids.SEND, ids.REPORT, ids.RECALL):
        _, key = await slack.click(action, "424242", user=COORDINATOR)
        [reply] = await slack.responses(key)
        assert "ken ik niet" in reply["text"]
    for value in ("424242", "abc", "-1", "9999999999", "99999999999999999999999"):
        response, key = await slack.click(ids.READ, value, user="U1")
        assert response.status_code == 200
        [reply] = await slack.responses(key)
        assert "ken ik niet" in reply["text"]
    assert tracebacks() == []


async def test_a_read_is_stored_before_slack_gets_its_ack(slack, slack_api, services):
    """So that a crash right after the ack loses no read: what follows the ack (the counts on
    the posts, the thanks) is made up by the next read, as posts render the count at send
    time."""
    from bot.announcements.desk import read_count

    preview = await compose(slack, slack_api)
    await press(slack, preview, ids.SEND)
    [post] = await slack_api.wait_until(lambda: slack_api.messages("C1"))
    value = buttons(post)[ids.READ]["value"]
    with services.background.foreground():  # another request under way: after-ack work waits
        response, _ = await click_in_channel(slack, ids.READ, value, user="U5", channel="C1",
                                             message=post)
        assert response.status_code == 200
        async with services.sessions() as session:
            assert await read_count(session, int(value)) == 1


async def test_external_text_for_website_is_markdown(slack, slack_api):
    preview = await compose(slack, slack_api, **{ids.VARIANT_INPUT: "external"})
    await press(slack, preview, ids.SEND)
    [post] = await slack_api.wait_until(lambda: slack_api.messages("C1"))
    _, key = await click_in_channel(slack, ids.EXTERNAL, buttons(post)[ids.EXTERNAL]["value"],
                                    user="U1", channel="C1", message=post)
    [reply] = await slack.responses(key)
    assert f"# {TITLE}" in everything(reply)
    assert "**samen**" in everything(reply)


async def test_cancel_a_scheduled_send_from_the_list(slack, slack_api, services, clock):
    when = int((clock() + timedelta(hours=1)).timestamp())
    preview = await compose(slack, slack_api, **{ids.WHEN_INPUT: ids.WHEN_LATER,
                                                 ids.SEND_AT_INPUT: when})
    assert "Wordt verstuurd op" in everything(preview)
    reply = await press(slack, preview, ids.SEND)
    assert "Ingepland" in reply["text"]
    _, key = await slack.command("lijst", command="/aankondiging", user=COORDINATOR)
    [listing] = await slack.responses(key)
    cancel = buttons(listing)[ids.CANCEL]
    assert cancel["confirm"]
    _, key = await slack.click(ids.CANCEL, cancel["value"], user=COORDINATOR)
    [reply] = await slack.responses(key)
    assert "Geannuleerd" in reply["text"]
    clock.advance(hours=2)
    await services.scheduler.run_due(clock())
    await services.outbox.run_once(clock())
    assert slack_api.messages("C1") == []


def _coordinator():
    from bot.identity import Person
    from tests.conftest import TEAM
    return Person("slack", TEAM, COORDINATOR)


async def test_scheduled_send_survives_a_restart_and_goes_out_once(
        slack, slack_api, services, settings, clock):
    when = clock() + timedelta(hours=1)
    preview = await compose(slack, slack_api, **{ids.WHEN_INPUT: ids.WHEN_LATER,
                                                 ids.SEND_AT_INPUT: int(when.timestamp())})
    await press(slack, preview, ids.SEND)
    [announcement] = await AnnouncementDesk.of(services).recent(_coordinator())
    assert announcement.state == Status.SCHEDULED

    from bot.app import add_slack_sender, build_services
    restarted = await build_services(settings, clock=clock)
    try:
        add_slack_sender(restarted)
        await restarted.scheduler.run_due(clock())
        assert await restarted.outbox.run_once(clock()) == 0
        clock.advance(hours=1, seconds=1)
        await restarted.scheduler.run_due(clock())
        await services.scheduler.run_due(clock())  # a second replica claims the same step
        await restarted.outbox.run_once(clock())
        await services.outbox.run_once(clock())
        await slack_api.wait_until(lambda: slack_api.messages("C1") and slack_api.messages("C2"))
        assert len(slack_api.messages("C1")) == 1 and len(slack_api.messages("C2")) == 1
        [announcement] = await AnnouncementDesk.of(restarted).recent(_coordinator())
        assert announcement.state in (Status.SENDING, Status.SENT)
        # Nobody followed this send: the Slack app's due job finds links for the report.
        await services.scheduler.run_due(clock())
        report = await settle(slack_api, services, clock, lambda: [
            m for m in slack_api.messages("DUCOORD")
            if "test.slack.com/archives/C2" in everything(m)])
        assert "2 van 2 afgeleverd" in everything(report[0])
        assert len(slack_api.messages("DUCOORD")) == 1
    finally:
        await restarted.close()


async def test_a_429_storm_mid_send_still_posts_once_per_channel(slack, slack_api, services,
                                                                 clock):
    channels = [f"C{n:03d}" for n in range(12)]
    preview = await compose(slack, slack_api, channels=channels)
    slack_api.rate_limit("chat.postMessage", times=4, retry_after=1)
    await press(slack, preview, ids.SEND)
    await settle(slack_api, services, clock, lambda: all(
        slack_api.messages(c) for c in channels), rounds=10)
    assert slack_api.rate_limited_count >= 4
    assert all(len(slack_api.messages(c)) == 1 for c in channels)
    await settle(slack_api, services, clock, lambda: [
        m for m in slack_api.messages("DUCOORD") if "12 van 12 afgeleverd" in everything(m)])


async def test_a_command_whose_text_says_payload_still_reaches_its_handler(slack):
    # Bolt's parser takes any form body with "payload" in it for an interaction.
    response, key = await slack.command("payload", command="/aankondiging", user="U_STAFF")
    assert response.status_code == 200
    [reply] = await slack.responses(key)
    assert "coördinatoren" in reply["text"]


async def _announcements(services) -> list:
    from sqlmodel import select

    from bot.announcements.models import Announcement
    from bot.outbox.models import Delivery

    async with services.sessions() as session:
        announcements = list(await session.exec(select(Announcement)))
        deliveries = list(await session.exec(select(Delivery)))
    return [(a.title, a.state, sorted(d.channel_id for d in deliveries
                                      if d.topic == a.topic)) for a in announcements]


async def test_the_text_and_the_send_are_stored_before_slack_gets_their_acks(
        slack, slack_api, services):
    """A crash right after an ack must not lose what the coordinator typed or decided: what
    follows the ack (the preview, the confirmation) only tells about it."""
    view = await open_modal(slack, slack_api)
    values = state_with(view, **{ids.TITLE_INPUT: TITLE, ids.BODY_INPUT: BODY,
                                 ids.CHANNELS_INPUT: ["C1", "C2"]})
    with services.background.foreground():  # another request under way: after-ack work waits
        response = await submit_view(slack, view, values, user=COORDINATOR)
        assert response.status_code == 200 and not response.text
        assert await _announcements(services) == [(TITLE, Status.DRAFT, [])]
    [preview] = await slack_api.wait_for("chat.postEphemeral")
    with services.background.foreground():
        button = buttons(preview)[ids.SEND]
        response, key = await slack.click(ids.SEND, button["value"], user=COORDINATOR)
        assert response.status_code == 200
        assert await _announcements(services) == [(TITLE, Status.SENDING, ["C1", "C2"])]
    [reply] = await slack.responses(key)
    assert "verstuurd" in reply["text"].lower()


async def test_editing_a_recalled_announcement_is_refused_on_the_modal(slack, slack_api,
                                                                       services, clock):
    preview = await compose(slack, slack_api)
    await press(slack, preview, ids.SEND)
    await slack_api.wait_until(lambda: slack_api.messages("C1") and slack_api.messages("C2"))
    _, key = await slack.command("lijst", command="/aankondiging", user=COORDINATOR)
    [listing] = await slack.responses(key)
    actions = buttons(listing)
    before = len(slack_api.calls_to("views.open"))
    await slack.click(ids.EDIT, actions[ids.EDIT]["value"], user=COORDINATOR)
    await slack_api.wait_for("views.open", count=before + 1)
    modal = list(slack_api.views.values())[-1]
    _, key = await slack.click(ids.RECALL, actions[ids.RECALL]["value"], user=COORDINATOR)
    await slack.responses(key)
    response = await submit_view(slack, modal, state_with(
        modal, **{ids.BODY_INPUT: "Aangepaste tekst."}), user=COORDINATOR)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "ingetrokken" in str(answer["errors"])
