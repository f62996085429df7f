"""Pure Block Kit builders for meetings: the modals, the invitation, the DMs and the lists.
They take view data (dicts from bot.meetings.views) or domain values, and return Slack
payloads; nothing here calls Slack."""

import json
from datetime import datetime
from typing import Any

from bot.meetings.content import MeetingDefaults
from bot.meetings.roster import Roster, session_label
from bot.meetings.texts import text
from bot.meetings.wording import deadline_text, direct_message, seats_text, session_text
from handlers.slack import meetings_ids as ids

MAX_LISTED = 40  # people named per list section; the CSV has everyone


def _plain(value: str) -> dict:
    return {"type": "plain_text", "text": value[:150], "emoji": True}


def _section(markdown: str, **extra: Any) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": markdown[:3000]}, **extra}


def _button(label: str, action_id: str, value: str, *, style: str | None = None,
            confirm: dict | None = None) -> dict:
    button = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def _state(values: dict | None, block_id: str) -> dict:
    """The typed state of one input (view.state.values), to carry into a rebuilt modal."""
    return ((values or {}).get(block_id) or {}).get(ids.VALUE) or {}


def _text_input(block_id: str, label: str, *, initial: str = "", multiline: bool = False,
                optional: bool = False, values: dict | None = None) -> dict:
    typed = _state(values, block_id)
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": ids.VALUE,
                               "multiline": multiline}
    current = typed.get("value") if "value" in typed else initial
    if current:
        element["initial_value"] = current
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element,
            "optional": optional}


def build_create_modal(defaults: MeetingDefaults, language: str, *, timezone: str,
                       sessions: int = 1, values: dict | None = None,
                       metadata: dict | None = None) -> dict:
    """The "new meeting" form; `values` (view.state.values) keeps what was typed when a
    session is added."""
    blocks: list[dict] = [
        _text_input(ids.TITLE_BLOCK, text("field_title", language), initial=defaults.title,
                    values=values),
        _text_input(ids.DESCRIPTION_BLOCK, text("field_description", language),
                    initial=defaults.description, multiline=True, optional=True, values=values),
        _text_input(ids.AGENDA_BLOCK, text("field_agenda", language), initial=defaults.agenda,
                    multiline=True, optional=True, values=values),
        _text_input(ids.PRACTICAL_BLOCK, text("field_practical", language),
                    initial=defaults.practical, multiline=True, optional=True, values=values),
    ]
    option = {"text": _plain(text("mandatory_option", language)), "value": "mandatory"}
    mandatory: dict[str, Any] = {"type": "checkboxes", "action_id": ids.VALUE,
                                 "options": [option]}
    if _state(values, ids.MANDATORY_BLOCK).get("selected_options"):
        mandatory["initial_options"] = [option]
    blocks.append({"type": "input", "block_id": ids.MANDATORY_BLOCK, "optional": True,
                   "label": _plain(text("field_mandatory", language)), "element": mandatory})
    deadline: dict[str, Any] = {"type": "datetimepicker", "action_id": ids.VALUE}
    if _state(values, ids.DEADLINE_BLOCK).get("selected_date_time"):
        deadline["initial_date_time"] = _state(values, ids.DEADLINE_BLOCK)["selected_date_time"]
    blocks.append({"type": "input", "block_id": ids.DEADLINE_BLOCK, "optional": True,
                   "label": _plain(text("field_deadline", language)), "element": deadline})
    channels: dict[str, Any] = {"type": "multi_conversations_select", "action_id": ids.VALUE,
                                "filter": {"include": ["public", "private"],
                                           "exclude_bot_users": True}}
    chosen = _state(values, ids.CHANNELS_BLOCK).get("selected_conversations")
    if chosen:
        channels["initial_conversations"] = chosen
    blocks.append({"type": "input", "block_id": ids.CHANNELS_BLOCK,
                   "label": _plain(text("field_channels", language)), "element": channels})
    for index in range(sessions):
        blocks += _session_blocks(index, defaults, language, timezone, values)
    blocks.append({"type": "actions", "block_id": ids.ADD_SESSION_BLOCK, "elements": [
        _button(text("add_session", language), ids.ADD_SESSION, str(sessions))]})
    return {
        "type": "modal", "callback_id": ids.CREATE_VIEW,
        "title": _plain(text("modal_title", language)),
        "submit": _plain(text("modal_submit", language)),
        "close": _plain(text("modal_cancel", language)),
        "private_metadata": json.dumps({**(metadata or {}), "sessions": sessions}),
        "blocks": blocks,
    }


def _session_blocks(index: int, defaults: MeetingDefaults, language: str, timezone: str,
                    values: dict | None) -> list[dict]:
    def block(field: str) -> str:
        return ids.session_block(index, field)

    day: dict[str, Any] = {"type": "datepicker", "action_id": ids.VALUE}
    if _state(values, block("day")).get("selected_date"):
        day["initial_date"] = _state(values, block("day"))["selected_date"]
    pickers = []
    for field, default in (("start", defaults.default_start), ("end", defaults.default_end)):
        picker = {"type": "timepicker", "action_id": ids.VALUE, "timezone": timezone,
                  "initial_time": _state(values, block(field)).get("selected_time") or default}
        pickers.append({"type": "input", "block_id": block(field),
                        "label": _plain(text(f"field_{field}", language)), "element": picker})
    return [
        {"type": "header", "text": _plain(text("session_heading", language, number=index + 1))},
        {"type": "input", "block_id": block("day"), "label": _plain(text("field_day", language)),
         "element": day},
        *pickers,
        _text_input(block("location"), text("field_location", language), optional=True,
                    values=values),
        _text_input(block("capacity"), text("field_capacity", language),
                    initial=str(defaults.default_capacity), values=values),
    ]


def build_invitation(view: dict, language: str) -> dict:
    """The invitation in a channel: agenda, practical matters, each session with its seats
    left and an "Aanmelden" button, and the buttons for answers and changes."""
    title = text("invite_intro", language, title=view["title"])
    blocks: list[dict] = [_section(title)]
    if view["cancelled"]:
        blocks.append(_section(text("invite_cancelled", language)))
        return {"text": f"{title} — {text('invite_cancelled', language)}", "blocks": blocks}
    if view.get("description"):
        blocks.append(_section(view["description"]))
    if view.get("agenda"):
        blocks.append(_section(f"*{text('agenda', language)}*\n{view['agenda']}"))
    if view.get("practical"):
        blocks.append(_section(f"*{text('practical', language)}*\n{view['practical']}"))
    facts = [text("mandatory" if view["mandatory"] else "optional", language)]
    deadline = deadline_text(view, language)
    if deadline:
        facts.append(deadline)
    if view["closed"]:
        facts.append(text("invite_closed", language))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " ".join(facts)}]})
    blocks.append({"type": "divider"})
    for session in view["sessions"]:
        line = f"*{session_text(session, language)}*\n{seats_text(session, language)}"
        extra = {}
        if session["state"] != "cancelled" and not view["closed"]:
            extra["accessory"] = _button(text("sign_up", language), ids.SIGN_UP,
                                         str(session["id"]), style="primary")
        blocks.append(_section(line, block_id=f"{ids.SESSION_BLOCK_PREFIX}{session['id']}",
                               **extra))
    meeting = str(view["meeting_id"])
    buttons = [_button(text("cannot", language), ids.DECLINE, meeting),
               _button(text("change_session", language), ids.SWITCH, meeting),
               _button(text("withdraw", language), ids.WITHDRAW, meeting),
               _button(text("profile_button", language), ids.PROFILE, meeting),
               _button(text("participants", language), ids.PARTICIPANTS, meeting)]
    blocks.append({"type": "actions", "block_id": ids.INVITE_ACTIONS_BLOCK, "elements": buttons})
    summary = "; ".join(f"{session_text(s, language)}: {seats_text(s, language)}"
                        for s in view["sessions"])
    return {"text": f"{title}. {summary}", "blocks": blocks}


def build_choose_session(view: dict, language: str) -> dict:
    """Ephemeral: the sessions one can still switch to."""
    blocks = [_section(text("choose_session", language))]
    for session in view["sessions"]:
        if session["state"] == "cancelled":
            continue
        blocks.append(_section(f"{session_text(session, language)}\n"
                               f"{seats_text(session, language)}",
                               accessory=_button(text("sign_up", language), ids.SIGN_UP,
                                                 str(session["id"]))))
    return {"text": text("choose_session", language), "blocks": blocks}


def build_answer(message: str) -> dict:
    return {"text": message, "blocks": [_section(message)]}


def _options(choices: list[str]) -> list[dict]:
    return [{"text": _plain(choice), "value": choice[:150]} for choice in choices[:100]]


def build_profile_prompt(answer: str, partners: list[str], roles: list[str], language: str
                         ) -> dict:
    """Ephemeral after a first sign-up: the answer, then organisation and role to pick."""
    selects = [
        {"type": "static_select", "action_id": ids.PROFILE_ORGANISATION,
         "placeholder": _plain(text("field_organisation", language)),
         "options": _options(partners)},
        {"type": "static_select", "action_id": ids.PROFILE_ROLE,
         "placeholder": _plain(text("field_role", language)), "options": _options(roles)},
    ]
    return {"text": answer, "blocks": [_section(answer),
                                       _section(text("profile_intro", language)),
                                       {"type": "actions", "elements": selects}]}


def build_profile_modal(partners: list[str], roles: list[str], language: str, *,
                        organisation: str = "", role: str = "", name: str = "") -> dict:
    def select(block_id: str, label: str, choices: list[str], current: str) -> dict:
        element: dict[str, Any] = {"type": "static_select", "action_id": ids.VALUE,
                                   "options": _options(choices)}
        if current in choices:
            element["initial_option"] = {"text": _plain(current), "value": current[:150]}
        return {"type": "input", "block_id": block_id, "label": _plain(label),
                "element": element}

    return {
        "type": "modal", "callback_id": ids.PROFILE_VIEW,
        "title": _plain(text("profile_title", language)),
        "submit": _plain(text("profile_save", language)),
        "close": _plain(text("modal_cancel", language)),
        "blocks": [
            _section(text("profile_intro", language)),
            _text_input(ids.NAME_BLOCK, text("field_name", language), initial=name,
                        optional=True),
            select(ids.ORGANISATION_BLOCK, text("field_organisation", language), partners,
                   organisation),
            select(ids.ROLE_BLOCK, text("field_role", language), roles, role),
        ],
    }


def _people(people: list, language: str) -> str:
    lines = []
    for person in people[:MAX_LISTED]:
        about = ", ".join(part for part in (person.organisation, person.role) if part)
        lines.append(f"• <@{person.user_id}> — {about or text('list_unknown_profile', language)}")
    if len(people) > MAX_LISTED:
        lines.append(f"… +{len(people) - MAX_LISTED}")
    return "\n".join(lines) or text("list_nobody", language)


def build_participants(roster: Roster, language: str) -> dict:
    """Coordinators: the list per session, the waitlist apart, "kan niet", who has not
    answered; buttons to export, change and cancel."""
    title = text("list_title", language, title=roster.title)
    blocks: list[dict] = [_section(title)]
    for session in roster.sessions:
        label = session_label(session, language)
        if session.state == "cancelled":
            blocks.append(_section(f"~{label}~ ({text('session_off', language)})"))
            continue
        blocks.append(_section(
            text("list_session", language, session=label, count=len(session.confirmed),
                 waitlist=len(session.waitlist)) + "\n" + _people(session.confirmed, language),
            accessory=_button(text("change_title", language), ids.CHANGE_SESSION,
                              str(session.session_id))))
        if session.waitlist:
            blocks.append(_section(f"_{text('list_waitlist', language)}_\n"
                                   + _people(session.waitlist, language)))
        blocks.append({"type": "actions", "elements": [
            _button(text("cancel_session", language), ids.CANCEL_SESSION,
                    str(session.session_id), style="danger",
                    confirm=_confirm(language))]})
    blocks.append(_section(f"*{text('list_declined', language, count=len(roster.declined))}*\n"
                           + _people(roster.declined, language)))
    waiting = roster.not_answered
    mentions = " ".join(f"<@{user}>" for user in waiting[:MAX_LISTED * 2])
    blocks.append(_section(f"*{text('list_not_answered', language, count=len(waiting))}*\n"
                           + (mentions or text("list_nobody", language))))
    meeting = str(roster.meeting_id)
    blocks.append({"type": "actions", "elements": [
        _button(text("export", language), ids.EXPORT, meeting, style="primary"),
        _button(text("cancel_meeting", language), ids.CANCEL_MEETING, meeting, style="danger",
                confirm=_confirm(language))]})
    return {"text": title, "blocks": blocks[:50]}


def _confirm(language: str) -> dict:
    return {"title": _plain(text("confirm_yes", language)),
            "text": _plain(text("confirm_cancel", language)),
            "confirm": _plain(text("confirm_yes", language)),
            "deny": _plain(text("confirm_no", language)), "style": "danger"}


def build_change_modal(session: dict, language: str, *, timezone: str) -> dict:
    """Coordinators: a session's date, times, place and capacity, as they are now."""
    starts, ends = datetime.fromisoformat(session["starts"]), datetime.fromisoformat(
        session["ends"])
    values = {
        ids.session_block(0, "day"): {ids.VALUE: {"selected_date": starts.date().isoformat()}},
        ids.session_block(0, "start"): {ids.VALUE: {"selected_time": starts.strftime("%H:%M")}},
        ids.session_block(0, "end"): {ids.VALUE: {"selected_time": ends.strftime("%H:%M")}},
        ids.session_block(0, "location"): {ids.VALUE: {"value": session["location"]}},
        ids.session_block(0, "capacity"): {ids.VALUE: {"value": str(session["capacity"])}},
    }
    defaults = MeetingDefaults(agenda="", practical="", roles=["-"])
    blocks = _session_blocks(0, defaults, language, timezone, values)[1:]
    return {"type": "modal", "callback_id": ids.CHANGE_VIEW,
            "title": _plain(text("change_title", language)),
            "submit": _plain(text("change_save", language)),
            "close": _plain(text("modal_cancel", language)),
            "private_metadata": json.dumps({"session_id": session["id"]}), "blocks": blocks}


def build_meeting_choice(meetings: list[tuple[int, str]], language: str) -> dict:
    """Coordinators with several meetings: which one's list."""
    blocks = [_section(text("pick_meeting", language))]
    for meeting_id, title in meetings[:20]:
        blocks.append(_section(title, accessory=_button(text("participants", language),
                                                        ids.PARTICIPANTS, str(meeting_id))))
    return {"text": text("pick_meeting", language), "blocks": blocks}


# Outbox builders (template -> Slack call arguments)

def build_calendar_upload(view: dict, language: str) -> dict:
    """A DM with the .ics attached (files_upload_v2)."""
    return {"content": view["ics"], "filename": view["filename"], "title": view["title"],
            "initial_comment": direct_message(view, language)}


def build_notice(view: dict, language: str) -> dict:
    message = direct_message(view, language)
    return {"text": message, "blocks": [_section(message)]}


def build_export_upload(view: dict, language: str) -> dict:
    return {"content": view["csv"], "filename": view["filename"], "title": view["title"],
            "initial_comment": text("export_comment", language, title=view["title"],
                                    confirmed=view["confirmed"])}
