"""Check-ins through signed Slack requests: a coordinator plans with the modal (bad input gets
Dutch field errors), starts a round from the list, people fill in and edit the form, the
reminder reaches who did not answer, closing posts results and a chart, an action added below
the results comes back in the next round's prompt and is marked done there, and the export."""

import pytest

from handlers.slack import checkins_ids as ids
from tests.conftest import COORDINATOR, SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver
from tests.scenarios.checkin_steps import ack_body, number, selected, submit, typed

CHANNEL = "CTEAM"
SCALES = ("goal", "A", "B", "C", "D", "E", "bijdrage", "kwaliteit", "afspraakdiscipline")


@pytest.fixture
def driver(http, bot_url, slack_api) -> SlackDriver:
    slack_api.add_channel(CHANNEL, name="team", members=("U1", "U2", "U3", "U4"))
    slack_api.add_channel("CNOBOT", name="elders", bot_is_member=False)
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


def form_values(score: int, **texts: str) -> dict[str, dict]:
    values = {ids.question_block(q): selected(str(score)) for q in SCALES}
    for question, value in texts.items():
        values[ids.question_block(question)] = typed(value)
    return values


def button_value(message: dict, action_id: str) -> str:
    for block in message.get("blocks", []):
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id", "").startswith(action_id):
                return element["value"]
    raise AssertionError(f"no {action_id} in {message}")


async def latest_view(slack_api, count: int) -> dict:
    await slack_api.wait_for("views.open", count=count)
    return slack_api.calls_to("views.open")[-1]["view"]


async def test_plan_fill_in_remind_close_and_act(driver, slack_api, services):
    response, _ = await driver.command("", command="/checkin", user="U1", channel=CHANNEL)
    assert "coördinatoren" in ack_body(response)["text"]

    await driver.command("", command="/checkin", user=COORDINATOR, channel=CHANNEL)
    plan = await latest_view(slack_api, 1)
    blocks = {block["block_id"]: block for block in plan["blocks"]}
    b = ids.SCHEDULE_BLOCKS
    assert blocks[b["cadence"]]["element"]["initial_option"]["value"] == "quarterly"
    assert blocks[b["first_time"]]["element"]["initial_time"] == "09:00"
    first_date = blocks[b["first_date"]]["element"]["initial_date"]
    chosen = {b["cadence"]: selected("quarterly"),
              b["first_date"]: {"type": "datepicker", "selected_date": first_date},
              b["first_time"]: {"type": "timepicker", "selected_time": "09:00"},
              b["anonymous"]: {"type": "radio_buttons", "selected_option": {"value": "named"}}}
    bad = {**chosen, b["channel"]: {"type": "conversations_select",
                                    "selected_conversation": "CNOBOT"},
           b["open_days"]: number("70"), b["remind_days_before_close"]: number("0"),
           b["min_group"]: number("0")}
    errors = ack_body(await submit(driver, plan, bad, user=COORDINATOR))["errors"]
    assert "volgende ronde" in errors[b["open_days"]]
    assert "werkdagen voor sluiting" in errors[b["remind_days_before_close"]]
    assert "minstens 1" in errors[b["min_group"]]
    assert "niet in dit kanaal" in errors[b["channel"]]

    good = {**chosen, b["channel"]: {"type": "conversations_select",
                                     "selected_conversation": CHANNEL},
            b["open_days"]: number("10"), b["remind_days_before_close"]: number("3"),
            b["min_group"]: number("3")}
    assert ack_body(await submit(driver, plan, good, user=COORDINATOR)) == {}
    # Not in the team channel: the confirmation comes as a direct message.
    await slack_api.wait_until(lambda: slack_api.messages("DUCOORD"))
    assert "Check-in ingepland in <#CTEAM>: elk kwartaal" in slack_api.messages(
        "DUCOORD")[0]["text"]

    response, _ = await driver.command("lijst", command="/checkin", user=COORDINATOR)
    listing = ack_body(response)
    schedule_id = button_value(listing, ids.START_NOW)
    await driver.click(ids.START_NOW, schedule_id, user=COORDINATOR)
    await slack_api.wait_until(lambda: slack_api.messages(CHANNEL))
    prompt = slack_api.messages(CHANNEL)[0]
    round_id = button_value(prompt, ids.FILL_IN)

    await driver.click(ids.FILL_IN, round_id, user="U1")
    form = await latest_view(slack_api, 2)
    missing = form_values(4)
    del missing[ids.question_block("B")]
    errors = ack_body(await submit(driver, form, missing, user="U1"))["errors"]
    assert errors == {ids.question_block("B"): "Kies een score van 1 tot en met 5."}
    assert ack_body(await submit(driver, form, form_values(2), user="U1")) == {}
    await driver.click(ids.FILL_IN, round_id, user="U1")
    again = await latest_view(slack_api, 3)
    earlier = {block.get("block_id"): block for block in again["blocks"]}
    assert earlier[ids.question_block("A")]["element"]["initial_option"]["value"] == "2"
    await submit(driver, again, form_values(3, goes_well="Korte lijnen"), user="U1")
    for user, score in (("U2", 4), ("U3", 5)):
        await submit(driver, form, form_values(score), user=user)
    await slack_api.wait_until(lambda: any("bijgewerkt" in e["text"]
                                           for e in slack_api.ephemerals(CHANNEL, "U1")))

    await driver.click(ids.REMIND_NOW, schedule_id, user=COORDINATOR)
    await slack_api.wait_until(lambda: slack_api.messages("DU4"))
    assert "Herinnering" in slack_api.messages("DU4")[0]["text"]
    await driver.click(ids.REMIND_NOW, schedule_id, user=COORDINATOR)  # once only

    await driver.click(ids.CLOSE_NOW, schedule_id, user=COORDINATOR)
    await slack_api.wait_until(lambda: len(slack_api.files) == 1 and any(
        "Uitslag" in m["text"] for m in slack_api.messages("DUCOORD")))
    results = [m for m in slack_api.messages(CHANNEL) if "Uitslag" in m["text"]]
    assert len(results) == 1
    shown = str(results[0]["blocks"])
    assert "Respons: 3 van 4 (75%)" in shown and "Korte lijnen" in shown
    assert slack_api.files[0]["bytes"].startswith(b"\x89PNG")
    late = ack_body(await submit(driver, form, form_values(1), user="U4"))
    assert late["response_action"] == "update"
    assert "gesloten" in str(late["view"]["blocks"])

    await driver.click(ids.ADD_ACTION, button_value(results[0], ids.ADD_ACTION), user="U2")
    action_modal = await latest_view(slack_api, 4)
    a = ids.ACTION_BLOCKS
    errors = ack_body(await submit(driver, action_modal, {a["what"]: typed("  ")},
                                   user="U2"))["errors"]
    assert errors == {a["what"]: "Beschrijf wat er moet gebeuren."}
    assert ack_body(await submit(driver, action_modal, {
        a["what"]: typed("Stuurgroep over mandaat"), a["owner"]: typed("Ans"),
        a["due_on"]: {"type": "datepicker", "selected_date": "2027-03-01"}}, user="U2")) == {}

    await driver.click(ids.START_NOW, schedule_id, user=COORDINATOR)
    await slack_api.wait_until(lambda: len([m for m in slack_api.messages(CHANNEL)
                                            if "Check-in" in m["text"]]) == 2)
    second = [m for m in slack_api.messages(CHANNEL) if "Check-in" in m["text"]][-1]
    assert "Stuurgroep over mandaat" in str(second["blocks"])
    action_id = button_value(second, ids.ACTION_DONE)
    _, key = await driver.click(f"{ids.ACTION_DONE}_{action_id}", action_id, user="U3",
                                message=second)
    [done] = await driver.responses(key)
    assert "Actie gedaan: Stuurgroep over mandaat" in done["text"]
    await slack_api.wait_until(lambda: slack_api.calls_to("chat.update"))
    assert "Stuurgroep" not in str(slack_api.calls_to("chat.update")[-1]["blocks"])

    _, key = await driver.click(ids.EXPORT, round_id, user="U1")
    assert "coördinatoren" in (await driver.responses(key))[0]["text"]
    await driver.click(ids.EXPORT, round_id, user=COORDINATOR)
    await slack_api.wait_until(lambda: len(slack_api.files) == 2)
    export = slack_api.files[1]["bytes"].decode()
    assert export.splitlines()[0].startswith("period,respondent,goal,A,B")
    assert len(export.splitlines()) == 4  # named round: one row per respondent
