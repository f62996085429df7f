"""Small translations from Bolt's request context to domain values."""

from bot.identity import Person


def person_from(context, body: dict) -> Person:
    team = context.get("team_id") or (body.get("team") or {}).get("id") or body.get("team_id")
    user = context.get("user_id") or (body.get("user") or {}).get("id") or body.get("user_id")
    return Person(platform="slack", workspace_id=team or "", user_id=user or "")
