"""Anonymous rounds: coordinators see who answered, never what one person answered, in no
message, list or export; results only from the minimum group on."""

import json
from datetime import timedelta

from bot.checkins import manage
from bot.checkins.answers import save_answers
from bot.checkins.questions import load_form
from bot.checkins.rounds import run_due_steps
from tests.bot.checkins.conftest import FIRST, answers, make_schedule, person
from tests.bot.checkins.test_rounds import rounds

SECRETS = {
    "U1": answers(1, goes_well="geheim-een-overleg", **{"A:remark": "geheim-een-opmerking"}),
    "U2": answers(3, should_change="geheim-twee-regie"),
    "U3": answers(5, success="geheim-drie-feest", barrier="mandaat"),
}


def everything_sent(slack_api) -> list[str]:
    """Every call the fake received, as text (file bytes decoded where they are text)."""
    seen = [json.dumps(call.args, default=str, ensure_ascii=False)
            for call in slack_api.calls]
    seen += [f["bytes"].decode("utf-8", errors="ignore") + json.dumps(
        {k: v for k, v in f.items() if k != "bytes"}, default=str) for f in slack_api.files]
    return seen


async def run_anonymous_round(services, slack_api, respondents: list[str]) -> None:
    form = load_form(services.settings.content_dir)
    await make_schedule(services, anonymous=True)
    await run_due_steps(services, FIRST)
    [checkin] = await rounds(services)
    for user in respondents:
        await save_answers(services.sessions, form, person(user), checkin.id, SECRETS[user],
                           FIRST + timedelta(hours=1))
    await run_due_steps(services, checkin.remind_at)
    # The coordinator exports while the round is open, and again after closing.
    await manage.request_export(services, checkin.id, by=person("UCOORD"), now=FIRST)
    await run_due_steps(services, checkin.closes_at)
    await manage.request_export(services, checkin.id, by=person("UCOORD"),
                                now=checkin.closes_at)
    await services.outbox.run_once(checkin.closes_at + timedelta(minutes=1))


async def test_anonymous_round_never_ties_an_answer_to_a_person(checkins, slack_api):
    await run_anonymous_round(checkins, slack_api, ["U1", "U2", "U3"])
    sent = everything_sent(slack_api)
    coordinator = [c for c in slack_api.calls_to("chat.postMessage") if c["channel"] == "UCOORD"]
    assert coordinator and "Ingevuld door (anoniem" in str(coordinator[0]["blocks"])
    assert "<@U1>" in str(coordinator[0]["blocks"])  # who answered: yes
    secrets = [value for values in SECRETS.values() for value in values.values()
               if isinstance(value, str) and value.startswith("geheim")]
    assert any("geheim-een-overleg" in each for each in sent)  # the grouped open answers
    for each in sent:
        for line in each.split("\\n"):
            # No line names a respondent next to something they wrote.
            assert not (any(user in line for user in SECRETS)
                        and any(secret in line for secret in secrets)), line
    exports = [f for f in slack_api.files if f["filename"].endswith(".csv")]
    assert len(exports) == 2
    for export in exports:
        body = export["bytes"].decode()
        assert not any(user in body for user in SECRETS)
        assert not any(secret in body for secret in secrets)
    closed_export = exports[-1]["bytes"].decode()
    assert "A,3,3.0" in closed_export  # aggregates only: A answered 1, 3, 5
    assert exports[0]["bytes"].decode().strip() == "period,question,count,mean,spread"


async def test_too_few_answers_show_no_results_and_no_answers(checkins, slack_api):
    await run_anonymous_round(checkins, slack_api, ["U1", "U2"])
    results = [c for c in slack_api.calls_to("chat.postMessage") if "Uitslag" in c["text"]]
    assert len(results) == 2  # the channel and the coordinator
    for result in results:
        assert "Te weinig antwoorden voor een uitslag: 2, minimaal 3" in str(result["blocks"])
    assert not [f for f in slack_api.files if f["filename"].endswith(".png")]
    for each in everything_sent(slack_api):
        assert "geheim" not in each
