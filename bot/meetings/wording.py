"""Meeting view data as sentences, shared by every platform's builders."""

from datetime import datetime

from bot.meetings.texts import text
from bot.texts import format_date, format_time


def session_text(session: dict, language: str) -> str:
    """'donderdag 10 december 2026 09:30-12:00, Stadhuis' from a session's view data."""
    starts, ends = datetime.fromisoformat(session["starts"]), datetime.fromisoformat(
        session["ends"])
    place = f", {session['location']}" if session.get("location") else ""
    return text("session_label", language, date=format_date(starts, language),
                start=format_time(starts), end=format_time(ends), place=place)


def seats_text(session: dict, language: str) -> str:
    if session["state"] == "cancelled":
        return text("session_off", language)
    if session["left"] > 0:
        return text("seats_left", language, left=session["left"], capacity=session["capacity"])
    return text("full", language, waitlist=session["waitlist"])


def direct_message(view: dict, language: str) -> str:
    """The text of a DM about a registration (confirmation, promotion, change, reminder)."""
    reason = view["reason"]
    days = int(view.get("days") or 0)
    when = text("when_tomorrow", language) if days == 1 else text("when_days", language,
                                                                   days=days)
    return text(f"dm_{reason}", language, title=view["title"],
                session=session_text(view["session"], language), place=view.get("position"),
                when=when)


def deadline_text(view: dict, language: str) -> str | None:
    if not view.get("deadline"):
        return None
    deadline = datetime.fromisoformat(view["deadline"])
    return text("deadline", language, date=format_date(deadline, language),
                time=format_time(deadline))
