"""Block Kit builders, checked against Slack's limits by the same validator the fake uses."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.questions import conversation
from bot.questions.desk import UnhelpfulAnswer
from bot.questions.guidance.answers import Answer, Excerpt, Source
from bot.questions.models import Question
from handlers.slack import blocks, ids
from tests.fakes.block_kit import validate_blocks

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LONG = "Een heel lang kopje over samenwerken " * 10


def _answer(**changes) -> Answer:
    values = {"question": "Vraag?", "language": "nl", "confident": True,
              "excerpts": (Excerpt(Source("Document", "Sectie", "doc#sectie"),
                                   "Eerste alinea.\n\nTweede alinea."),)}
    return Answer(**{**values, **changes})


def build_answer(answer: Answer, question_id: int | None) -> dict:
    return blocks.render(conversation.answer_reply(answer, question_id))


def test_each_excerpt_is_quoted_with_its_own_source():
    first = Excerpt(Source("Doc A", "Sectie A", "a#a"), "Tekst A.")
    second = Excerpt(Source("Doc B", "Sectie B", "b#b"), "Tekst B.")
    message = build_answer(_answer(excerpts=(first, second)), question_id=7)
    texts = [str(block) for block in message["blocks"]]
    assert ">Tekst A." in texts[0] and "Doc A, Sectie A" in texts[1]
    assert ">Tekst B." in texts[2] and "Doc B, Sectie B" in texts[3]


def test_answer_message_quotes_each_line_and_offers_feedback():
    message = build_answer(_answer(), question_id=42)
    assert validate_blocks(message["blocks"]) == []
    assert message["blocks"][0]["text"]["text"] == ">Eerste alinea.\n>\n>Tweede alinea."
    buttons = message["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ids.FEEDBACK_HELPFUL, "42"), (ids.FEEDBACK_UNHELPFUL, "42")]


def test_english_answer_has_english_lead_in_and_buttons():
    message = build_answer(_answer(language="en"), question_id=1)
    assert message["blocks"][0]["text"]["text"].startswith("The guidance (in Dutch) says:")
    assert "Was this helpful?" in str(message["blocks"])


def test_oversized_texts_are_shortened_to_slack_limits():
    answer = _answer(excerpts=(Excerpt(Source(LONG, LONG, "d#s"), "x" * 5000),) * 3)
    assert validate_blocks(build_answer(answer, question_id=1)["blocks"]) == []
    refusal = _answer(confident=False, excerpts=(),
                      suggestions=tuple(Source("D", LONG, f"d#{n}") for n in range(3)))
    message = build_answer(refusal, question_id=1)
    assert validate_blocks(message["blocks"]) == []
    assert all(len(b["text"]["text"]) <= 75 for b in message["blocks"][-1]["elements"])


def test_coordinator_lists_fit_in_one_message():
    question = Question(id=1, platform="slack", workspace_id="T", user_id="U1",
                        text="Vraag " * 400, language="nl", answer="Antwoord " * 300,
                        confident=False, sources=[], asked_at=datetime(2026, 11, 23, 9, tzinfo=UTC))
    unanswered = blocks.render(conversation.unanswered_reply([question] * 10, "nl", AMSTERDAM))
    assert validate_blocks(unanswered["blocks"]) == []
    assert "23-11-2026 10:00" in str(unanswered["blocks"])  # shown in Amsterdam time
    unhelpful = blocks.render(conversation.unhelpful_reply([UnhelpfulAnswer(question, 3)] * 10,
                                                          "nl", AMSTERDAM))
    assert validate_blocks(unhelpful["blocks"]) == []


def test_empty_lists_say_so():
    assert "geen onbeantwoorde" in blocks.render(
        conversation.unanswered_reply([], "nl", AMSTERDAM))["text"]
    assert "No answers" in blocks.render(
        conversation.unhelpful_reply([], "en", AMSTERDAM))["text"]
