"""Pure Block Kit builders for check-ins: outbox messages (prompt, reminder, results, chart,
export) and the modals (schedule, answers, action)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.checkins.calendar import Cadence
from bot.checkins.models import CheckinSchedule
from bot.checkins.questions import Form, Question
from bot.checkins.render import results_lines, schedule_line, when_local
from bot.checkins.texts import text
from bot.texts import format_date
from handlers.slack import checkins_ids as ids

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text


def _section(body: str, block_id: str | None = None) -> dict:
    if len(body) > SECTION_LIMIT:
        body = body[:SECTION_LIMIT - 1] + "…"
    block: dict = {"type": "section", "text": {"type": "mrkdwn", "text": body}}
    if block_id:
        block["block_id"] = block_id
    return block


def _plain(value: str) -> dict:
    return {"type": "plain_text", "text": value[:75] if len(value) > 75 else value}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _action_line(action: dict, language: str) -> str:
    owner = text("action_owner", language, owner=action["owner"]) if action.get("owner") else ""
    due = (text("action_due", language, date=format_date(date.fromisoformat(action["due_on"]),
                                                         language))
           if action.get("due_on") else "")
    return text("action_line", language, what=action["what"], owner=owner, due=due)


# Outbox messages --------------------------------------------------------------------------

def build_prompt(data: dict, language: str) -> dict:
    when = when_local(data["closes_at"], data.get("zone", ""), language)
    summary = text("prompt", language, period=data["period"], **when)
    blocks = [_section(summary)]
    if data.get("anonymous"):
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": text("prompt_anonymous", language)}]})
    if data.get("open", True):
        blocks.append({"type": "actions", "block_id": f"checkin_prompt_{data['round_id']}",
                       "elements": [_button(text("button_fill_in", language), ids.FILL_IN,
                                            str(data["round_id"]), "primary")]})
    actions = data.get("actions") or []
    if actions:
        blocks.append(_section(text("prompt_actions", language)))
        for action in actions[:20]:
            blocks.append({**_section(_action_line(action, language)),
                           "block_id": f"{ids.ACTIONS_BLOCK}_{action['id']}",
                           "accessory": _button(text("button_done", language),
                                                f"{ids.ACTION_DONE}_{action['id']}",
                                                str(action["id"]))})
    return {"text": summary, "blocks": blocks}


def build_reminder(data: dict, language: str) -> dict:
    when = when_local(data["closes_at"], data.get("zone", ""), language)
    body = text("reminder", language, period=data["period"], channel=data["channel_id"], **when)
    return {"text": body, "blocks": [
        _section(body),
        {"type": "actions", "block_id": f"checkin_remind_{data['round_id']}",
         "elements": [_button(text("button_fill_in", language), ids.FILL_IN,
                              str(data["round_id"]), "primary")]}]}


def build_results(data: dict, language: str) -> dict:
    lines = results_lines(data, language)
    blocks = [_section(line) for line in lines[:45]]
    buttons = [_button(text("button_add_action", language), ids.ADD_ACTION,
                       str(data["round_id"]))]
    if data.get("for_coordinator"):
        buttons.append(_button(text("button_export", language), ids.EXPORT,
                               str(data["round_id"])))
    blocks.append({"type": "actions", "block_id": f"checkin_results_{data['round_id']}",
                   "elements": buttons})
    return {"text": text("results_title", language, period=data["period"]).replace("*", ""),
            "blocks": blocks}


def build_chart(data: dict, language: str) -> dict:
    return {"content": data["png"], "filename": data["filename"],
            "title": text("chart_title", language, period=data["period"]),
            "initial_comment": text("chart_comment", language)}


def build_export(data: dict, language: str) -> dict:
    return {"content": data["csv"].encode("utf-8"), "filename": f"checkin-{data['period']}.csv",
            "title": f"Check-in {data['period']}"}


BUILDERS = {"checkin.prompt": build_prompt, "checkin.reminder": build_reminder,
            "checkin.results": build_results, "checkin.chart": build_chart,
            "checkin.export": build_export}


# Schedules list ---------------------------------------------------------------------------

def build_schedule_list(schedules: list[tuple[CheckinSchedule, dict | None]], language: str,
                        zone: str) -> dict:
    if not schedules:
        return {"text": text("list_empty", language), "response_type": "ephemeral"}
    blocks: list[dict] = [_section(text("list_title", language))]
    for schedule, open_round in schedules[:15]:
        sid = str(schedule.id)
        blocks.append(_section(schedule_line(schedule, language, open_round=open_round,
                                             zone=zone)))
        pause = (_button(text("button_resume", language), ids.RESUME, sid) if schedule.paused
                 else _button(text("button_pause", language), ids.PAUSE, sid))
        round_buttons = ([_button(text("button_remind", language), ids.REMIND_NOW, sid),
                          _button(text("button_close", language), ids.CLOSE_NOW, sid)]
                         if open_round else
                         [_button(text("button_start", language), ids.START_NOW, sid)])
        blocks.append({"type": "actions", "block_id": f"{ids.MANAGE_BLOCK_PREFIX}{sid}",
                       "elements": [pause, _button(text("button_change", language), ids.CHANGE,
                                                   sid),
                                    *round_buttons,
                                    _button(text("button_delete", language), ids.DELETE, sid,
                                            "danger")]})
    return {"text": text("list_title", language).replace("*", ""), "blocks": blocks,
            "response_type": "ephemeral"}


# Modals -----------------------------------------------------------------------------------

def _input(block_id: str, label: str, element: dict, *, optional: bool = False) -> dict:
    return {"type": "input", "block_id": block_id, "label": _plain(label),
            "element": {**element, "action_id": ids.VALUE}, "optional": optional}


def _option(label: str, value: str) -> dict:
    return {"text": _plain(label), "value": value}


def _number(initial: int) -> dict:
    return {"type": "number_input", "is_decimal_allowed": False, "initial_value": str(initial)}


def build_schedule_modal(language: str, *, channel_id: str, first_local: datetime,
                         cadence: str = Cadence.QUARTERLY, open_days: int = 10,
                         remind_days: int = 3, anonymous: bool = False, min_group: int = 3,
                         schedule_id: int | None = None) -> dict:
    b = ids.SCHEDULE_BLOCKS
    cadences = [_option(text(f"cadence_{c}", language), str(c)) for c in Cadence]
    kinds = [_option(text("kind_named", language), "named"),
             _option(text("kind_anonymous", language), "anonymous")]
    channel = {"type": "conversations_select", "filter": {"include": ["public", "private"],
                                                          "exclude_bot_users": True}}
    if channel_id:
        channel["initial_conversation"] = channel_id
    return {
        "type": "modal", "callback_id": ids.SCHEDULE_MODAL,
        "private_metadata": str(schedule_id or ""),
        "title": _plain(text("modal_schedule", language)),
        "submit": _plain(text("button_save", language)),
        "close": _plain(text("button_cancel", language)),
        "blocks": [
            _input(b["channel"], text("field_channel", language), channel),
            _input(b["cadence"], text("field_cadence", language),
                   {"type": "static_select", "options": cadences,
                    "initial_option": next(o for o in cadences if o["value"] == str(cadence))}),
            _input(b["first_date"], text("field_first_date", language),
                   {"type": "datepicker", "initial_date": first_local.date().isoformat()}),
            _input(b["first_time"], text("field_first_time", language),
                   {"type": "timepicker", "initial_time": first_local.strftime("%H:%M")}),
            _input(b["open_days"], text("field_open_days", language), _number(open_days)),
            _input(b["remind_days_before_close"], text("field_remind_days", language),
                   _number(remind_days)),
            _input(b["anonymous"], text("field_anonymous", language),
                   {"type": "radio_buttons", "options": kinds,
                    "initial_option": kinds[1 if anonymous else 0]}),
            _input(b["min_group"], text("field_min_group", language), _number(min_group)),
        ],
    }


def _question_input(form: Form, question: Question, language: str, answers: dict) -> dict:
    value = answers.get(question.id)
    if question.kind == "scale":
        options = [_option(label, str(n)) for n, label in
                   enumerate(form.scale_labels(language), 1)]
        element: dict = {"type": "static_select", "options": options}
        if isinstance(value, int) and 1 <= value <= 5:
            element["initial_option"] = options[value - 1]
        return _input(ids.question_block(question.id), question.label(language), element)
    if question.kind == "choice":
        options = [_option(o.en if language == "en" else o.nl, o.id) for o in question.options]
        element = {"type": "static_select", "options": options}
        chosen = next((o for o in options if o["value"] == value), None)
        if chosen:
            element["initial_option"] = chosen
        return _input(ids.question_block(question.id), question.label(language), element,
                      optional=True)
    element = {"type": "plain_text_input", "multiline": True, "max_length": 1000}
    if value:
        element["initial_value"] = str(value)
    return _input(ids.question_block(question.id), question.label(language), element,
                  optional=True)


def build_checkin_modal(form: Form, language: str, *, round_id: int, period: str,
                        anonymous: bool, answers: dict) -> dict:
    blocks: list[dict] = [_section(text("modal_intro", language))]
    if anonymous:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": text("modal_intro_anonymous", language)}]})
    headings = {"condition": "section_conditions", "level": "section_levels",
                "open": "section_open"}
    seen: set[str] = set()
    for question in form.questions:
        if question.group in headings and question.group not in seen:
            seen.add(question.group)
            blocks.append(_section(text(headings[question.group], language)))
        blocks.append(_question_input(form, question, language, answers))
        if question.remark:
            element: dict = {"type": "plain_text_input", "max_length": 1000}
            remark = answers.get(f"{question.id}:remark")
            if remark:
                element["initial_value"] = str(remark)
            blocks.append(_input(ids.remark_block(question.id), text("field_remark", language),
                                 element, optional=True))
    return {"type": "modal", "callback_id": ids.CHECKIN_MODAL, "private_metadata": str(round_id),
            "title": _plain(text("modal_checkin", language, period=period)[:24]),
            "submit": _plain(text("button_send", language)),
            "close": _plain(text("button_cancel", language)), "blocks": blocks}


def build_notice_modal(message: str, language: str) -> dict:
    return {"type": "modal", "callback_id": ids.CLOSED_MODAL, "title": _plain("Check-in"),
            "close": _plain(text("button_cancel", language)), "blocks": [_section(message)]}


def build_action_modal(language: str, *, round_id: int) -> dict:
    b = ids.ACTION_BLOCKS
    return {"type": "modal", "callback_id": ids.ACTION_MODAL, "private_metadata": str(round_id),
            "title": _plain(text("modal_action", language)),
            "submit": _plain(text("button_save", language)),
            "close": _plain(text("button_cancel", language)),
            "blocks": [
                _input(b["what"], text("field_what", language),
                       {"type": "plain_text_input", "max_length": 300}),
                _input(b["owner"], text("field_owner", language),
                       {"type": "plain_text_input", "max_length": 120}, optional=True),
                _input(b["due_on"], text("field_due", language), {"type": "datepicker"},
                       optional=True),
            ]}


def combine_local(day: str, wall: str, zone: ZoneInfo) -> datetime:
    """A date and time picked in the modal (local) as an aware datetime."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(wall), tzinfo=zone)
