"""Block Kit builders: pure functions from domain results to Slack messages."""

from datetime import UTC
from zoneinfo import ZoneInfo

from bot.questions.desk import UnhelpfulAnswer
from bot.questions.guidance.answers import Answer, Source
from bot.questions.models import Question
from bot.questions.texts import text
from handlers.slack import ids

SECTION_LIMIT = 3000
BUTTON_LIMIT = 75
HEADER_LIMIT = 150


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def quoted(passages: str) -> str:
    """Guidance text as a Slack block quote, one '>' per line."""
    return "\n".join(f">{line}" if line else ">" for line in passages.split("\n"))


def build_answer(answer: Answer, question_id: int | None) -> dict:
    """The message for an answer: each quote with its source and, for a stored question,
    👍/👎 buttons."""
    if not answer.confident:
        return build_not_covered(answer)
    blocks: list[dict] = []
    lead_in = text("lead_in", answer.language)
    for number, excerpt in enumerate(answer.excerpts):
        body = quoted(excerpt.text)
        if number == 0 and lead_in:
            body = f"{lead_in}\n{body}"
        source = text("source", answer.language, document=excerpt.source.document,
                      section=excerpt.source.section)
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": shorten(body, SECTION_LIMIT)}})
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": shorten("📄 " + source, SECTION_LIMIT)}]})
    if question_id is not None:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": text("was_helpful", answer.language)}]})
        blocks.append(_feedback_buttons(answer.language, question_id))
    return {"text": shorten(answer.quote, SECTION_LIMIT), "blocks": blocks}


def _feedback_buttons(language: str, question_id: int) -> dict:
    return {
        "type": "actions", "block_id": ids.FEEDBACK_BLOCK,
        "elements": [
            {"type": "button", "action_id": ids.FEEDBACK_HELPFUL, "value": str(question_id),
             "text": {"type": "plain_text", "text": text("helpful", language), "emoji": True}},
            {"type": "button", "action_id": ids.FEEDBACK_UNHELPFUL, "value": str(question_id),
             "text": {"type": "plain_text", "text": text("unhelpful", language), "emoji": True}},
        ],
    }


def build_not_covered(answer: Answer) -> dict:
    """An honest 'not in the guidance', with the nearest topics as buttons."""
    return _with_topics(text("not_covered", answer.language), answer.language,
                        text("not_covered_suggestions", answer.language), answer.suggestions)


def build_unhelpful_thanks(language: str, topics: tuple[Source, ...]) -> dict:
    """Thanks for a 👎, with other topics that may help after all."""
    return _with_topics(text("thanks_unhelpful", language), language,
                        text("unhelpful_suggestions", language), topics)


def _with_topics(message: str, language: str, invitation: str,
                 topics: tuple[Source, ...]) -> dict:
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": message}}]
    if topics:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": invitation}]})
        blocks.append({"type": "actions", "block_id": ids.TOPICS_BLOCK, "elements": [
            {"type": "button", "action_id": f"{ids.SHOW_TOPIC_PREFIX}{position}",
             "value": f"{language}|{s.section_id}",
             "text": {"type": "plain_text", "text": shorten(s.section, BUTTON_LIMIT)}}
            for position, s in enumerate(topics)
        ]})
    return {"text": message, "blocks": blocks}


def build_notice(message: str) -> dict:
    return {"text": message, "blocks": [{"type": "section",
                                         "text": {"type": "mrkdwn", "text": message}}]}


def build_help(language: str, *, for_coordinator: bool) -> dict:
    parts = [text("help", language)]
    if for_coordinator:
        parts.append(text("help_coordinator", language))
    return {"text": parts[0], "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": part}} for part in parts]}


def build_unanswered(questions: list[Question], language: str, timezone: str) -> dict:
    title = text("unanswered_title", language)
    if not questions:
        return build_notice(text("unanswered_none", language))
    blocks: list[dict] = [_header(title)]
    for question in questions:
        blocks.append(_question_block(question.text))
        blocks.append(_asked_context(question, language, timezone))
    return {"text": title, "blocks": blocks}


def build_unhelpful(answers: list[UnhelpfulAnswer], language: str, timezone: str) -> dict:
    title = text("unhelpful_title", language)
    if not answers:
        return build_notice(text("unhelpful_none", language))
    blocks: list[dict] = [_header(title)]
    for item in answers:
        blocks.append(_question_block(f"{item.question.text}  (👎 {item.votes})"))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": quoted(
            shorten(item.question.answer or "—", 600))}})
        blocks.append(_asked_context(item.question, language, timezone))
    return {"text": title, "blocks": blocks}


def _header(title: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": shorten(title, HEADER_LIMIT)}}


def _question_block(question_text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn",
                                        "text": "*" + shorten(question_text, 2000) + "*"}}


def _asked_context(question: Question, language: str, timezone: str) -> dict:
    asked_at = question.asked_at
    if asked_at.tzinfo is None:  # SQLite hands back naive datetimes; they are stored as UTC
        asked_at = asked_at.replace(tzinfo=UTC)
    when = asked_at.astimezone(ZoneInfo(timezone)).strftime("%d-%m-%Y %H:%M")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text(
        "asked_by", language, when=when, user=question.user_id)}]}
