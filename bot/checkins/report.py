"""The results of a closed round as JSON-ready data (stored with the delivery): aggregates,
trends against the previous round, the weakest condition with advice quoted from the guidance,
grouped open answers, and how many of last round's actions were done."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checkins.models import CheckinAction, CheckinResponse, CheckinRound, as_utc
from bot.checkins.questions import Form, load_form
from bot.checkins.results import open_answers, scale_summary, trend, weakest_condition
from bot.deps import Services
from bot.questions.guidance.answers import answer_question

QUOTE_LIMIT = 700


async def answers_of(session: AsyncSession, round_id: int) -> list[tuple[str, dict]]:
    rows = await session.exec(select(CheckinResponse).where(
        col(CheckinResponse.round_id) == round_id))
    return [(row.user_id, dict(row.answers)) for row in rows]


async def _summary_of(session: AsyncSession, form: Form, checkin_round: CheckinRound
                      ) -> dict[str, dict] | None:
    """A closed round's averages, or None when too few answered to show them."""
    answers = [a for _, a in await answers_of(session, checkin_round.id or 0)]
    if len(answers) < checkin_round.min_group:
        return None
    return scale_summary(form, answers)


def advice(services: Services, form: Form, question_id: str) -> dict | None:
    """The guidance passage for a weak condition, quoted with its source."""
    question = form.question(question_id)
    if question is None or not question.advice_question:
        return None
    answer = answer_question(services.desk.index, question.advice_question)
    if not answer.excerpts:
        return None
    quote = answer.quote if len(answer.quote) <= QUOTE_LIMIT else (
        answer.quote[:QUOTE_LIMIT].rsplit(" ", 1)[0] + " …")
    sources = list(dict.fromkeys((s.document, s.section) for s in answer.sources))
    return {"quote": quote, "sources": [{"document": document, "section": section}
                                        for document, section in sources]}


async def round_results(session: AsyncSession, services: Services, checkin_round: CheckinRound,
                        *, members: list[str] | None) -> dict:
    from bot.checkins.rounds import previous_round

    form = load_form(services.settings.content_dir)
    responses = await answers_of(session, checkin_round.id or 0)
    answers = [a for _, a in responses]
    respondents = {user for user, _ in responses}
    results: dict = {
        "round_id": checkin_round.id, "schedule_id": checkin_round.schedule_id,
        "period": checkin_round.period, "anonymous": checkin_round.anonymous,
        "answered": len(answers), "min_group": checkin_round.min_group,
        # Who answered but left the channel still counts among those asked.
        "members": len(set(members) | respondents) if members is not None else None,
        "enough": len(answers) >= checkin_round.min_group,
        # The wording of then, so the message renders without the content files.
        "questions": [question.model_dump(include={"id", "group", "kind", "nl", "en", "short_nl",
                                                   "short_en", "options"})
                      for question in form.questions],
    }
    previous = await previous_round(session, checkin_round)
    if previous is not None:
        actions = list(await session.exec(select(CheckinAction).where(
            col(CheckinAction.round_id) == previous.id)))
        results["actions_total"] = len(actions)
        results["actions_done"] = sum(1 for action in actions if action.done)
        results["previous_period"] = previous.period
    if not results["enough"]:
        return results
    summary = scale_summary(form, answers)
    before = await _summary_of(session, form, previous) if previous is not None else None
    for question_id, numbers in summary.items():
        earlier = (before or {}).get(question_id)
        numbers["trend"] = trend(numbers["mean"], earlier["mean"] if earlier else None)
    results["summary"] = summary
    weakest = weakest_condition(form, summary)
    if weakest is not None:
        results["weakest"] = {"question": weakest, "advice": advice(services, form, weakest)}
    results["open"] = open_answers(form, answers)
    return results


async def condition_series(session: AsyncSession, services: Services, checkin_round: CheckinRound
                           ) -> tuple[list[str], dict[str, list[float | None]]]:
    """Periods up to this round and each condition's average per period (None: too few)."""
    from bot.checkins.rounds import rounds_of

    form = load_form(services.settings.content_dir)
    periods: list[str] = []
    series: dict[str, list[float | None]] = {q.id: [] for q in form.of_group("condition")}
    for each in await rounds_of(session, checkin_round.schedule_id):
        if each.state != "closed" or as_utc(each.opens_at) > as_utc(checkin_round.opens_at):
            continue
        summary = await _summary_of(session, form, each) or {}
        periods.append(each.period)
        for question_id, values in series.items():
            values.append(summary.get(question_id, {}).get("mean"))
    return periods, series
