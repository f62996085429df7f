"""What a closed round shows: aggregates only (averages, spread, trend, grouped open answers),
so an anonymous round never reveals what one person answered. Pure functions over answers."""

import csv
import io
from statistics import fmean, pstdev

from bot.checkins.questions import Form

TREND_UP, TREND_DOWN, TREND_SAME = "↑", "↓", "="


def scale_summary(form: Form, answers: list[dict]) -> dict[str, dict]:
    """Question id -> {"mean", "spread", "count"} for every scale question answered."""
    summary: dict[str, dict] = {}
    for question in form.scales:
        values = [int(a[question.id]) for a in answers if isinstance(a.get(question.id), int)]
        if values:
            summary[question.id] = {"mean": round(fmean(values), 2),
                                    "spread": round(pstdev(values), 2), "count": len(values)}
    return summary


def trend(mean: float, previous: float | None) -> str:
    if previous is None:
        return ""
    now, before = round(mean, 1), round(previous, 1)
    return TREND_UP if now > before else TREND_DOWN if now < before else TREND_SAME


def weakest_condition(form: Form, summary: dict[str, dict]) -> str | None:
    scored = [(summary[q.id]["mean"], q.id) for q in form.of_group("condition") if q.id in summary]
    return min(scored)[1] if scored else None


def open_answers(form: Form, answers: list[dict]) -> list[dict]:
    """Per open question (and condition remarks): the texts, sorted so their order says
    nothing about who answered first; choices as counts per option."""
    grouped: list[dict] = []
    for question in form.questions:
        if question.kind == "open":
            texts = sorted(str(a[question.id]).strip() for a in answers
                           if str(a.get(question.id) or "").strip())
            if texts:
                grouped.append({"question": question.id, "texts": texts})
        elif question.kind == "choice":
            counts = {option.id: sum(1 for a in answers if a.get(question.id) == option.id)
                      for option in question.options}
            if any(counts.values()):
                grouped.append({"question": question.id, "counts": counts})
        if question.remark:
            remarks = sorted(str(a[f"{question.id}:remark"]).strip() for a in answers
                             if str(a.get(f"{question.id}:remark") or "").strip())
            if remarks:
                grouped.append({"question": question.id, "remarks": remarks})
    return grouped


def export_csv(form: Form, *, period: str, anonymous: bool, min_group: int,
               responses: list[tuple[str, dict]]) -> str:
    """Named rounds: one row per respondent. Anonymous rounds: aggregates only, and nothing
    below the minimum group."""
    out = io.StringIO()
    writer = csv.writer(out)
    if not anonymous:
        columns = [q.id for q in form.questions]
        columns += [f"{q.id}:remark" for q in form.questions if q.remark]
        writer.writerow(["period", "respondent", *columns])
        for user_id, answers in sorted(responses):
            writer.writerow([period, user_id, *(answers.get(c, "") for c in columns)])
        return out.getvalue()
    writer.writerow(["period", "question", "count", "mean", "spread"])
    if len(responses) >= min_group:
        summary = scale_summary(form, [answers for _, answers in responses])
        for question_id, numbers in summary.items():
            writer.writerow([period, question_id, numbers["count"], numbers["mean"],
                             numbers["spread"]])
    return out.getvalue()
