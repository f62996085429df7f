"""Check-ins in the terminal chat: fill in the open check-in by numbers; a coordinator plans
a schedule, starts and closes a round, and sees the results (the chart saved as a PNG)."""

import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlmodel import col, select

from bot.checkins.answers import Saved, answer_problems, response_of, save_answers
from bot.checkins.calendar import default_first_opening
from bot.checkins.manage import overview
from bot.checkins.models import CheckinRound, CheckinSchedule, RoundState, as_utc
from bot.checkins.questions import Form, Question, load_form
from bot.checkins.render import results_lines, schedule_line, when_local
from bot.checkins.rounds import close_round, start_round_now, topic_of
from bot.checkins.schedules import ScheduleInput, create_schedule
from bot.checkins.texts import text
from bot.checkins.views import load_chart
from bot.identity import ChannelRef
from bot.outbox.models import Kind
from bot.outbox.queue import deliveries
from bot.texts import SHARED, format_date, format_time

TEAM_CHANNEL = "team"  # the terminal has one team: everyone at this machine
OUTPUT = Path(tempfile.gettempdir()) / "convenantbot"
SKIP_REST = "klaar"


def _plain(mrkdwn: str) -> str:
    return re.sub(r"<#(\w+)>", r"#\1", re.sub(r"<@(\w+)>", r"@\1", mrkdwn))


def _save(filename: str, content: bytes) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / filename
    path.write_bytes(content)
    return path


def build_prompt(data: dict, language: str) -> dict:
    lines = [text("prompt", language, period=data["period"],
                  **when_local(data["closes_at"], data.get("zone", ""), language)),
             "→ checkin"]
    for action in data.get("actions") or []:
        lines.append(f"• {action['what']}")
    return {"text": _plain("\n".join(lines))}


def build_reminder(data: dict, language: str) -> dict:
    return {"text": _plain(text("reminder", language, period=data["period"],
                                channel=data["channel_id"],
                                **when_local(data["closes_at"], data.get("zone", ""),
                                             language)))}


def build_results(data: dict, language: str) -> dict:
    return {"text": _plain("\n\n".join(results_lines(data, language)))}


def build_chart(data: dict, language: str) -> dict:
    return {"path": str(_save(data["filename"], data["png"]))}


def build_export(data: dict, language: str) -> dict:
    return {"path": str(_save(f"checkin-{data['period']}.csv", data["csv"].encode("utf-8")))}


BUILDERS = {"checkin.prompt": build_prompt, "checkin.reminder": build_reminder,
            "checkin.results": build_results, "checkin.chart": build_chart,
            "checkin.export": build_export}


def _ask(question: Question, form: Form, language: str, earlier: object) -> str:
    if question.kind == "scale":
        choices = "  ".join(f"[{label}]" for label in form.scale_labels(language))
    elif question.kind == "choice":
        choices = "  ".join(f"[{n}] {o.en if language == 'en' else o.nl}"
                            for n, o in enumerate(question.options, 1))
    else:
        return text("terminal_open_question", language, label=question.label(language)) + (
            f" ({earlier})" if earlier else "")
    before = f" ({earlier})" if earlier not in (None, "") else ""
    return text("terminal_question", language, label=question.label(language) + before,
                choices=choices)


async def _fill_in(chat) -> str:
    services, language = chat.services, chat.language
    async with services.sessions() as session:
        found = (await session.exec(
            select(CheckinRound).join(CheckinSchedule,
                                      col(CheckinRound.schedule_id) == col(CheckinSchedule.id))
            .where(col(CheckinRound.state) == RoundState.OPEN,
                   col(CheckinSchedule.platform) == chat.person.platform,
                   col(CheckinSchedule.deleted).is_(False))
            .order_by(col(CheckinRound.id).desc()))).first()
        earlier = await response_of(session, found.id or 0, chat.person) if found else None
    if found is None:
        return text("terminal_no_open", language)
    form = load_form(services.settings.content_dir)
    answers: dict = dict(earlier.answers) if earlier else {}
    round_id, period = found.id or 0, found.period
    questions = list(form.questions)

    def asker(index: int) -> Callable[[str], Awaitable[str]]:
        question = questions[index]

        async def take(line: str) -> str:
            line = line.strip()
            if line.lower() == SKIP_REST and question.kind != "scale":
                return await finish()
            if line:
                if question.kind == "scale":
                    answers[question.id] = int(line) if line.isdigit() else line
                elif question.kind == "choice" and line.isdigit() and 0 < int(line) <= len(
                        question.options):
                    answers[question.id] = question.options[int(line) - 1].id
                else:
                    answers[question.id] = line
            problem = answer_problems(form, answers, language).get(question.id)
            if problem:
                chat.pending = take
                return f"{problem}\n{_ask(question, form, language, answers.get(question.id))}"
            if index + 1 < len(questions):
                chat.pending = asker(index + 1)
                following = questions[index + 1]
                return _ask(following, form, language, answers.get(following.id))
            return await finish()
        return take

    async def finish() -> str:
        saved = await save_answers(services.sessions, form, chat.person, round_id, answers,
                                   services.clock())
        if saved is Saved.CLOSED:
            return text("answer_closed", language)
        local = services.covenant.local(as_utc(found.closes_at))
        return text("answer_saved" if saved is Saved.NEW else "answer_updated", language,
                    period=period, date=format_date(local, language),
                    time=format_time(local, language))

    chat.pending = asker(0)
    return _ask(questions[0], form, language, answers.get(questions[0].id))


async def _schedule_number(chat, rest: str) -> CheckinSchedule | None:
    async with chat.services.sessions() as session:
        listed = await overview(session, platform=chat.person.platform,
                                workspace_id=chat.person.workspace_id)
    number = int(rest) if rest.strip().isdigit() else 0
    return listed[number - 1][0] if 0 < number <= len(listed) else None


async def checkin(chat, rest: str) -> str:
    services, language = chat.services, chat.language
    word, _, rest = rest.partition(" ")
    word = word.lower()
    if word in ("", "invullen"):
        return await _fill_in(chat)
    if not services.coordinators.includes(chat.person):
        return SHARED("not_coordinator", language)
    if word == "plan":
        first = default_first_opening(services.clock(), services.covenant.zone)
        async with services.sessions() as session:
            planned = await create_schedule(session, ScheduleInput(
                channel=ChannelRef(chat.person.platform, chat.person.workspace_id,
                                   TEAM_CHANNEL), first_opens_at=first), by=chat.person,
                language=language)
            await session.commit()
        local = services.covenant.local(first)
        return text("terminal_planned", language, id=planned.id,
                    cadence=text(f"cadence_{planned.cadence}", language),
                    date=format_date(local, language), time=format_time(local, language))
    if word in ("lijst", "list"):
        async with services.sessions() as session:
            listed = await overview(session, platform=chat.person.platform,
                                    workspace_id=chat.person.workspace_id)
        if not listed:
            return text("list_empty", language)
        return "\n".join(f"[{n}] " + _plain(schedule_line(s, language, open_round=r,
                                                          zone=services.covenant.timezone))
                         for n, (s, r) in enumerate(listed, 1))
    schedule = await _schedule_number(chat, rest)
    if schedule is None or schedule.id is None:
        return text("unknown_schedule", language)
    now = services.clock()
    if word == "start":
        started = await start_round_now(services, schedule.id, now)
        await services.outbox.run_once(now)
        return (text("round_started", language, period=started.period,
                     channel=schedule.channel_id) if started
                else text("round_already_open", language))
    if word in ("sluit", "close", "uitslag", "results"):
        async with services.sessions() as session:
            current = (await session.exec(select(CheckinRound).where(
                col(CheckinRound.schedule_id) == schedule.id)
                .order_by(col(CheckinRound.id).desc()))).first()
        if current is None or current.id is None:
            return text("no_open_round", language)
        if current.state == RoundState.OPEN:
            await close_round(services, current.id, now)
            await services.outbox.run_once(now)  # prints the results and the chart's path
        return await _results(chat, current.id)
    return text("terminal_help", language)


async def _results(chat, round_id: int) -> str:
    """The results as posted when the round closed, and the chart saved as a PNG file."""
    services, language = chat.services, chat.language
    async with services.sessions() as session:
        sent = await deliveries(session, topic=topic_of(round_id), kinds=(Kind.POST, Kind.UPLOAD))
    posted = sorted((d for d in sent if d.template == "checkin.results"),
                    key=lambda d: not d.data.get("for_coordinator"))  # a coordinator's first
    results = posted[0] if posted else None
    if results is None:
        return text("no_open_round", language)
    parts = [build_results(results.data, language)["text"]]
    chart = next((d for d in sent if d.template == "checkin.chart"), None)
    if chart is not None:
        async with services.sessions() as session:
            view = await load_chart(session, chart.data)
        if view is not None:
            parts.append(text("terminal_chart", language, path=build_chart(view, language)["path"]))
    return "\n\n".join(parts)


COMMANDS = {"checkin": checkin}
