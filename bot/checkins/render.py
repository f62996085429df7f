"""Platform-neutral wording of check-in results and moments (Slack mrkdwn reads fine as plain
text too), shared by every platform's builders."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.checkins.models import CheckinSchedule
from bot.checkins.texts import text
from bot.texts import format_date, format_time


def when_local(iso: str, zone: str, language: str) -> dict[str, str]:
    local = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone or "Europe/Amsterdam"))
    return {"date": format_date(local, language), "time": format_time(local, language)}


def _label(questions: dict[str, dict], question_id: str, language: str) -> str:
    question = questions.get(question_id, {})
    short = question.get("short_en" if language == "en" else "short_nl") or question.get(
        "en" if language == "en" else "nl") or question_id
    return f"{question_id} {short}" if question.get("group") == "condition" else short


def results_lines(data: dict, language: str) -> list[str]:
    """The results as paragraphs (shared with the terminal)."""
    questions = {q["id"]: q for q in data.get("questions", [])}
    lines = [text("results_title", language, period=data["period"])]
    if data.get("members"):
        percent = round(100 * data["answered"] / data["members"])
        lines.append(text("results_rate", language, answered=data["answered"],
                          members=data["members"], percent=percent))
    else:
        lines.append(text("results_rate_unknown", language, answered=data["answered"]))
    if "actions_total" in data and data["actions_total"]:
        lines.append(text("results_actions", language, done=data["actions_done"],
                          total=data["actions_total"]))
    if data.get("for_coordinator"):
        people = ", ".join(f"<@{user}>" for user in data.get("respondents", [])) or text(
            "results_nobody", language)
        key = "results_respondents_anonymous" if data.get("anonymous") else "results_respondents"
        lines.append(text(key, language, people=people))
    if not data.get("enough"):
        lines.append(text("results_too_few", language, answered=data["answered"],
                          min=data["min_group"]))
        return lines
    summary = data.get("summary", {})

    def group_lines(group: str) -> list[str]:
        return [text("results_line", language, label=_label(questions, qid, language),
                     mean=f"{summary[qid]['mean']:.1f}", spread=f"{summary[qid]['spread']:.1f}",
                     trend=summary[qid].get("trend", "")).rstrip()
                for qid, q in questions.items() if q.get("group") == group and qid in summary]

    goal = group_lines("goal")
    if goal:
        lines.append("\n".join([text("results_goal", language), *goal]))
    heading = (text("results_conditions", language, previous=data["previous_period"])
               if data.get("previous_period") else text("results_conditions_first", language))
    lines.append("\n".join([heading, *group_lines("condition")]))
    lines.append("\n".join([text("results_levels", language), *group_lines("level")]))
    weakest = data.get("weakest")
    if weakest:
        label = _label(questions, weakest["question"], language)
        advice = weakest.get("advice")
        if advice:
            quote = "\n".join(f"> {line}" for line in advice["quote"].splitlines() if line)
            sources = [text("results_source", language, document=source["document"],
                            section=source["section"]) for source in advice["sources"]]
            lines.append("\n".join([text("results_weakest", language, label=label), quote,
                                    *sources]))
        else:
            lines.append(text("results_weakest_no_advice", language, label=label))
    grouped = data.get("open") or []
    if grouped:
        lines.append(text("results_open", language))
        for group in grouped:
            question = questions.get(group["question"], {})
            if "remarks" in group:
                heading = text("results_remarks", language,
                               label=_label(questions, group["question"], language))
                lines.append("\n".join([f"_{heading}_", *(f"• {t}" for t in group["remarks"])]))
            elif "texts" in group:
                lines.append("\n".join([f"_{question.get(language, question.get('nl', ''))}_",
                                        *(f"• {t}" for t in group["texts"])]))
            elif "counts" in group:
                options = {o["id"]: o for o in question.get("options", [])}
                counts = [f"• {options.get(k, {}).get(language, k)}: {n}"
                          for k, n in group["counts"].items() if n]
                lines.append("\n".join([f"_{question.get(language, question.get('nl', ''))}_",
                                        *counts]))
    lines.append(text("results_act", language))
    return lines


def schedule_line(schedule: CheckinSchedule, language: str, *, open_round: dict | None,
                  zone: str) -> str:
    state = text("state_paused", language) if schedule.paused else ""
    if open_round:
        state += text("state_round_open", language, period=open_round["period"],
                      **when_local(open_round["closes_at"], zone, language))
    return text("schedule_line", language, channel=schedule.channel_id,
                cadence=text(f"cadence_{schedule.cadence}", language),
                kind=text("kind_anonymous" if schedule.anonymous else "kind_named", language),
                days=schedule.open_days, remind=schedule.remind_days_before_close,
                min=schedule.min_group, state=state)
