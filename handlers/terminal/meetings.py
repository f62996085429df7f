"""Meetings in the terminal chat: the invitation as text with numbered buttons; sign up,
switch, withdraw, organisation and role by number; a coordinator creates a meeting with
prompts and sees the list."""

import re
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.meetings.notices import CALENDAR, EXPORT, INVITE, NOTICE
from bot.meetings.people import current_meetings, participant_list, profile, set_profile, standing
from bot.meetings.planning import (
    Gone,
    Invalid,
    MeetingDraft,
    NotCoordinator,
    SessionDraft,
    create_meeting,
    meeting_defaults,
)
from bot.meetings.roster import Roster, session_label
from bot.meetings.seats import sign_up, withdraw
from bot.meetings.texts import text
from bot.meetings.wording import deadline_text, direct_message, seats_text, session_text

if TYPE_CHECKING:
    from handlers.terminal.chat import Button, TerminalChat

CHANNEL = "algemeen"
SESSION_LINE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s+(\S+)\s*(.*)$")


def invitation_text(view: dict, language: str) -> str:
    lines = [text("invite_intro", language, title=view["title"]).replace("*", "")]
    if view["cancelled"]:
        return "\n".join([*lines, text("invite_cancelled", language)])
    for key in ("description", "agenda", "practical"):
        if view.get(key):
            label = "" if key == "description" else text(key, language) + ":\n"
            lines.append(label + view[key])
    lines.append(text("mandatory" if view["mandatory"] else "optional", language))
    deadline = deadline_text(view, language)
    if deadline:
        lines.append(deadline)
    if view["closed"]:
        lines.append(text("invite_closed", language))
    for session in view["sessions"]:
        lines.append(f"• {session_text(session, language)}: {seats_text(session, language)}")
    return "\n\n".join(lines)


def _roster_text(roster: Roster, language: str) -> str:
    lines = [text("list_title", language, title=roster.title).replace("*", "")]

    def people(group) -> list[str]:
        unknown = text("list_unknown_profile", language)
        lines = []
        for p in group:
            about = ", ".join(x for x in (p.organisation, p.role) if x) or unknown
            lines.append(f"  - {p.name or p.user_id} ({about})")
        return lines or [f"  {text('list_nobody', language)}"]

    for session in roster.sessions:
        label = session_label(session, language)
        lines.append(text("list_session", language, session=label, count=len(session.confirmed),
                          waitlist=len(session.waitlist)).replace("*", ""))
        lines += people(session.confirmed)
        if session.waitlist:
            lines.append(f"  {text('list_waitlist', language)}:")
            lines += people(session.waitlist)
    lines.append(text("list_declined", language, count=len(roster.declined)))
    lines += people(roster.declined)
    return "\n".join(lines)


def _button(label: str, press: Callable[[], Awaitable[str]]) -> "Button":
    from handlers.terminal.chat import Button  # the chat imports this module

    return Button(label, press)


def _with_buttons(chat: "TerminalChat", body: str, buttons: "list[Button]") -> str:
    chat.buttons = buttons
    if not buttons:
        return body
    return body + "\n\n" + "  ".join(f"[{n}] {b.label}" for n, b in enumerate(buttons, 1))


async def _pick(chat: "TerminalChat", question: str, choices: list[str],
                then: Callable[[str], Awaitable[str]]) -> str:
    """Asks for a number from `choices`; the next line answers."""
    async def answer(line: str) -> str:
        if line.isdigit() and 1 <= int(line) <= len(choices):
            return await then(choices[int(line) - 1])
        chat.pending = answer
        return text("t_bad_number", chat.language)
    chat.pending = answer
    return question + "\n" + "\n".join(f"[{n}] {c}" for n, c in enumerate(choices, 1))


async def _ask_profile(chat: "TerminalChat", before: str) -> str:
    services, language = chat.services, chat.language

    async def organisation_chosen(organisation: str) -> str:
        async def role_chosen(role: str) -> str:
            await set_profile(services, chat.person, organisation=organisation, role=role)
            return text("profile_saved", language, organisation=organisation, role=role)
        return await _pick(chat, text("t_ask_role", language),
                           meeting_defaults(services).role_choices, role_chosen)

    question = await _pick(chat, text("t_ask_organisation", language),
                           list(services.covenant.partners), organisation_chosen)
    return f"{before}\n\n{question}" if before else question


async def show(chat: "TerminalChat", meeting_id: int) -> str:
    services, language = chat.services, chat.language
    seen = await standing(services, chat.person, meeting_id)
    if seen is None:
        return text("meeting_gone", language)
    view = seen.view
    buttons: list[Button] = []
    for session in view["sessions"]:
        if session["state"] != "cancelled":
            buttons.append(_button(f"{text('sign_up', language)}: "
                                  f"{session_text(session, language)}",
                                  _signing_up(chat, int(session["id"]))))
    buttons.append(_button(text("cannot", language), _withdrawing(chat, meeting_id, True)))
    if seen.registration is not None and seen.registration.status in ("confirmed",
                                                                      "waitlisted"):
        buttons.append(_button(text("withdraw", language), _withdrawing(chat, meeting_id, False)))
    buttons.append(_button(text("profile_button", language), lambda: _ask_profile(chat, "")))
    if services.coordinators.includes(chat.person):
        buttons.append(_button(text("participants", language), _listing(chat, meeting_id)))
    return _with_buttons(chat, invitation_text(view, language), buttons)


def _signing_up(chat: "TerminalChat", session_id: int) -> Callable[[], Awaitable[str]]:
    async def press() -> str:
        services, language = chat.services, chat.language
        outcome = await sign_up(services, chat.person, session_id)
        if outcome.code not in ("confirmed", "waitlisted"):
            return text(outcome.code, language)
        seen = await standing(services, chat.person, outcome.meeting_id)
        session = next(s for s in seen.view["sessions"] if s["id"] == session_id) if seen else {}
        answer = text(outcome.code, language, session=session_text(session, language))
        if await profile(services, chat.person) is None:
            return await _ask_profile(chat, answer)
        return answer
    return press


def _withdrawing(chat: "TerminalChat", meeting_id: int, decline: bool
                 ) -> Callable[[], Awaitable[str]]:
    async def press() -> str:
        outcome = await withdraw(chat.services, chat.person, meeting_id, decline=decline)
        return text(outcome.code, chat.language)
    return press


def _listing(chat: "TerminalChat", meeting_id: int) -> Callable[[], Awaitable[str]]:
    async def press() -> str:
        try:
            roster = await participant_list(chat.services, chat.person, meeting_id)
        except NotCoordinator:
            return text("not_coordinator", chat.language)
        except Gone as gone:
            return text(gone.code, chat.language)
        return _roster_text(roster, chat.language)
    return press


async def _create(chat: "TerminalChat") -> str:
    services, language = chat.services, chat.language
    if not services.coordinators.includes(chat.person):
        return text("not_coordinator", language)
    defaults = meeting_defaults(services)
    draft = MeetingDraft(title="", channels=[CHANNEL], sessions=[],
                         description=defaults.description, agenda=defaults.agenda,
                         practical=defaults.practical, language=language)

    async def title_given(line: str) -> str:
        draft.title = line or defaults.title
        chat.pending = session_given
        return text("t_ask_sessions", language)

    async def session_given(line: str) -> str:
        if not line:
            chat.pending = deadline_given
            return text("t_ask_deadline", language)
        match = SESSION_LINE.match(line)
        chat.pending = session_given
        if match is None:
            return text("t_bad_line", language)
        day, start, end, capacity, location = match.groups()
        try:
            draft.sessions.append(SessionDraft(date.fromisoformat(day), time.fromisoformat(
                start.zfill(5)), time.fromisoformat(end.zfill(5)), location, capacity))
        except ValueError:
            return text("t_bad_line", language)
        return f"✓ {len(draft.sessions)}"

    async def deadline_given(line: str) -> str:
        if line:
            try:
                local = datetime.strptime(line, "%Y-%m-%d %H:%M")
            except ValueError:
                chat.pending = deadline_given
                return text("t_bad_deadline", language)
            draft.rsvp_deadline = local.replace(tzinfo=services.covenant.zone).astimezone(
                services.clock().tzinfo)
        try:
            meeting = await create_meeting(services, chat.person, draft)
        except Invalid as invalid:
            problems = [f"- {field}: {text(key, language)}"
                        for field, key in invalid.errors.items()]
            return "\n".join([text("t_invalid", language), *problems])
        done = text("created", language, title=meeting.title,
                    channels=f"#{CHANNEL}").replace("*", "")
        return done + "\n\n" + await show(chat, meeting.id or 0)

    chat.pending = title_given
    return text("t_ask_title", language, default=defaults.title)


async def bijeenkomst(chat: "TerminalChat", rest: str) -> str:
    """`bijeenkomst` shows the newest meeting; `nieuw` creates one; `lijst` the list."""
    word = rest.strip().lower()
    if word in ("nieuw", "new"):
        return await _create(chat)
    meetings = await current_meetings(chat.services)
    if not meetings:
        return text("no_meetings", chat.language) + " " + text("t_menu_hint", chat.language)
    if word in ("lijst", "list"):
        return await _listing(chat, meetings[0].id or 0)()
    return await show(chat, meetings[0].id or 0)


COMMANDS = {"bijeenkomst": bijeenkomst}


def _calendar_file(view: dict, language: str) -> dict[str, Any]:
    folder = Path(tempfile.gettempdir()) / "convenantbot"
    folder.mkdir(exist_ok=True)
    path = folder / view["filename"]
    path.write_text(view["ics"], encoding="utf-8")
    return {"path": f"{direct_message(view, language).replace('*', '')}\n   {path}",
            "filename": view["filename"]}


def _export_file(view: dict, language: str) -> dict[str, Any]:
    folder = Path(tempfile.gettempdir()) / "convenantbot"
    folder.mkdir(exist_ok=True)
    path = folder / view["filename"]
    path.write_text(view["csv"], encoding="utf-8")
    return {"path": str(path), "filename": view["filename"]}


BUILDERS = {
    INVITE: lambda view, language: {"text": invitation_text(view, language)},
    NOTICE: lambda view, language: {"text": direct_message(view, language).replace("*", "")},
    CALENDAR: _calendar_file,
    EXPORT: _export_file,
}
