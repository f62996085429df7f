"""Small translations from Bolt's request context to domain values."""

from bot.identity import Person


def person_from(context, payload: dict) -> Person:
    """Who sent a command, click or event; Bolt's context first, else the payload, where
    team and user are objects in clicks and plain ids in commands and events."""
    team = context.get("team_id") or _id(payload.get("team")) or payload.get("team_id")
    user = context.get("user_id") or _id(payload.get("user")) or payload.get("user_id")
    return Person(platform="slack", workspace_id=team or "", user_id=user or "")


def row_id(value: object) -> int | None:
    """A row's id from a button's value; None for anything no row can have (ids are INTEGER
    columns, which end at 2**31 on PostgreSQL: a larger number is refused there)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _id(value: object) -> str | None:
    return value.get("id") if isinstance(value, dict) else value if isinstance(value, str) else None
