"""What a chat message asks for: help, a coordinator list, or an answer from the guidance.
The same words work in every platform (slash command text, a DM, the terminal)."""

from enum import Enum


class Intent(Enum):
    HELP = "help"
    UNANSWERED = "unanswered"
    UNHELPFUL = "unhelpful"
    QUESTION = "question"


_KEYWORDS = {
    Intent.HELP: {"", "help", "hulp", "?", "uitleg", "/help"},
    Intent.UNANSWERED: {"onbeantwoord", "unanswered"},
    Intent.UNHELPFUL: {"feedback"},
}


def intent_of(text: str) -> Intent:
    keyword = text.strip().lower()
    return next((intent for intent, words in _KEYWORDS.items() if keyword in words),
                Intent.QUESTION)
