"""Managing check-ins from `/checkin lijst` through signed requests: only coordinators; pause
stops new rounds, resume starts them again; change re-validates; delete keeps the data but
the schedule is gone; unknown schedules and rounds get a clear Dutch answer."""

from datetime import timedelta

import pytest

from bot.checkins.calendar import default_first_opening
from bot.checkins.rounds import run_due_steps
from bot.checkins.schedules import ScheduleInput, create_schedule
from bot.identity import ChannelRef, Person
from handlers.slack import checkins_ids as ids
from tests.conftest import COORDINATOR, SIGNING_SECRET, TEAM
from tests.fakes.driver import SlackDriver
from tests.scenarios.checkin_steps import ack_body, number, selected, submit

CHANNEL = "CTEAM"


@pytest.fixture
def driver(http, bot_url, slack_api) -> SlackDriver:
    slack_api.add_channel(CHANNEL, name="team", members=("U1", "U2"))
    return SlackDriver(http, bot_url, slack_api, secret=SIGNING_SECRET, team_id=TEAM)


async def said(driver: SlackDriver, action_id: str, value: str, user: str = COORDINATOR) -> str:
    _, key = await driver.click(action_id, value, user=user)
    return (await driver.responses(key))[0]["text"]


async def _quarterly(services):
    """A schedule for CHANNEL whose first round opens at the default time; and that time."""
    first = default_first_opening(services.clock(), services.covenant.zone)
    async with services.sessions() as session:
        schedule = await create_schedule(session, ScheduleInput(
            channel=ChannelRef("slack", TEAM, CHANNEL), first_opens_at=first),
            by=Person("slack", TEAM, COORDINATOR))
        await session.commit()
    return schedule, first


async def test_pause_resume_change_and_delete_from_the_list(driver, slack_api, services):
    schedule, first = await _quarterly(services)
    sid = str(schedule.id)
    response, _ = await driver.command("lijst", command="/checkin", user=COORDINATOR)
    assert "elk kwartaal, met naam, 10 werkdagen open" in str(ack_body(response)["blocks"])

    assert "coördinatoren" in await said(driver, ids.PAUSE, sid, user="U1")
    assert "gepauzeerd" in await said(driver, ids.PAUSE, sid)
    await run_due_steps(services, first + timedelta(minutes=1))
    assert not slack_api.messages(CHANNEL)  # paused: no round opened
    assert "loopt weer" in await said(driver, ids.RESUME, sid)
    assert "Er loopt geen ronde" in await said(driver, ids.REMIND_NOW, sid)

    await driver.click(ids.CHANGE, sid, user=COORDINATOR)
    await slack_api.wait_for("views.open")
    view = slack_api.calls_to("views.open")[-1]["view"]
    assert view["private_metadata"] == sid
    b = ids.SCHEDULE_BLOCKS
    values = {block["block_id"]: {"type": block["element"]["type"],
                                  **_initial(block["element"])}
              for block in view["blocks"] if block.get("type") == "input"}
    values[b["cadence"]] = selected("monthly")
    values[b["open_days"]] = number("25")
    errors = ack_body(await submit(driver, view, values, user=COORDINATOR))["errors"]
    assert "volgende ronde (maandelijks)" in errors[b["open_days"]]
    values[b["open_days"]] = number("5")
    assert ack_body(await submit(driver, view, values, user=COORDINATOR)) == {}
    await slack_api.wait_until(lambda: slack_api.messages("DUCOORD"))
    assert "aangepast" in slack_api.messages("DUCOORD")[-1]["text"]
    response, _ = await driver.command("lijst", command="/checkin", user=COORDINATOR)
    assert "maandelijks, met naam, 5 werkdagen open" in str(ack_body(response)["blocks"])

    assert "verwijderd" in await said(driver, ids.DELETE, sid)
    response, _ = await driver.command("lijst", command="/checkin", user=COORDINATOR)
    assert "nog geen check-ins" in ack_body(response)["text"]
    assert "bestaat niet (meer)" in await said(driver, ids.START_NOW, sid)
    assert "bestaat niet (meer)" in await said(driver, ids.FILL_IN, "999", user="U1")
    response, _ = await driver.command("iets", command="/checkin", user=COORDINATOR)
    assert "/checkin lijst" in ack_body(response)["text"]


def _initial(element: dict) -> dict:
    """The state Slack reports for an input left at its initial value."""
    if "initial_option" in element:
        return {"selected_option": element["initial_option"]}
    if "initial_conversation" in element:
        return {"selected_conversation": element["initial_conversation"]}
    if "initial_date" in element:
        return {"selected_date": element["initial_date"]}
    if "initial_time" in element:
        return {"selected_time": element["initial_time"]}
    return {"value": element.get("initial_value")}


async def test_a_pause_is_stored_before_slack_gets_its_ack(driver, services):
    from bot.checkins.models import CheckinSchedule

    schedule, _ = await _quarterly(services)
    with services.background.foreground():  # another request under way: after-ack work waits
        response, key = await driver.click(ids.PAUSE, str(schedule.id), user=COORDINATOR)
        assert response.status_code == 200
        async with services.sessions() as session:
            stored = await session.get(CheckinSchedule, schedule.id)
            assert stored is not None and stored.paused
    assert "gepauzeerd" in (await driver.responses(key))[0]["text"]
