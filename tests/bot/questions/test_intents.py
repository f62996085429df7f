"""What a typed message asks for, the same on every platform."""

import pytest

from bot.questions.intents import Intent, intent_of


@pytest.mark.parametrize(("typed", "intent"), [
    ("", Intent.HELP), (" Help ", Intent.HELP), ("hulp", Intent.HELP), ("?", Intent.HELP),
    ("onbeantwoord", Intent.UNANSWERED), ("Unanswered", Intent.UNANSWERED),
    ("feedback", Intent.UNHELPFUL),
    ("Hoe geef ik feedback op de agenda?", Intent.QUESTION),
    ("Wat is onbeantwoord gebleven in stap 4?", Intent.QUESTION),
])
def test_keywords_are_recognised_only_as_the_whole_message(typed, intent):
    assert intent_of(typed) is intent
