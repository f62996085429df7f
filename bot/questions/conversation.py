"""The Q&A conversation, the same on every platform: what typed text and pressed buttons get
back, as platform-neutral replies (bot.conversation). Platforms only render them."""

import logging
from datetime import UTC, tzinfo

from bot.conversation import Choice, Kind, Reply, ReplyBuilder
from bot.identity import Coordinators, Person
from bot.questions.desk import (
    MAX_QUESTION_CHARS,
    QuestionDesk,
    QuestionTooLong,
    UnhelpfulAnswer,
)
from bot.questions.guidance.answers import Answer, Source
from bot.questions.guidance.words import detect_language, words
from bot.questions.intents import Intent, intent_of
from bot.questions.models import Question
from bot.questions.texts import text

logger = logging.getLogger(__name__)

# Choice ids: stable, so buttons of messages sent before a deploy keep working.
HELPFUL = "questions.helpful"
UNHELPFUL = "questions.unhelpful"
TOPIC = "questions.topic"
CHOICES = (HELPFUL, UNHELPFUL, TOPIC)

ANSWER_EXCERPT_IN_LIST = 600
# Platforms whose help text is their own (the terminal has numbers, not slash commands).
_HELP_KEYS = {"terminal": "terminal_help"}


# Choice values: made here and read here only.

def feedback_choice(question_id: int, *, helpful: bool, language: str) -> Choice:
    return Choice(HELPFUL if helpful else UNHELPFUL,
                  text("helpful" if helpful else "unhelpful", language), str(question_id))


def topic_choice(source: Source, language: str) -> Choice:
    return Choice(TOPIC, source.section, f"{language}|{source.section_id}")


def _question_id(value: str) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None  # beyond any id: no database error


def _topic(value: str, default_language: str) -> tuple[str, str]:
    language, _, section_id = (value or "").partition("|")
    return (language if language in ("nl", "en") else default_language), section_id


# Replies: pure functions of domain results.

def answer_reply(answer: Answer, question_id: int | None) -> Reply:
    """Each quote with its source and, for a stored question, 👍/👎; or an honest refusal
    with the nearest topics."""
    language = answer.language
    if not answer.confident:
        return _with_topics(text("not_covered", language), language,
                            text("not_covered_suggestions", language), answer.suggestions)
    reply = ReplyBuilder(language)
    lead_in = text("lead_in", language)
    for number, excerpt in enumerate(answer.excerpts):
        reply.add(Kind.QUOTE, excerpt.text, intro=lead_in if number == 0 else "")
        reply.add(Kind.SOURCE, text("source", language, document=excerpt.source.document,
                                    section=excerpt.source.section))
    if question_id is not None:
        reply.add(Kind.NOTE, text("was_helpful", language))
        reply.choices += [feedback_choice(question_id, helpful=True, language=language),
                          feedback_choice(question_id, helpful=False, language=language)]
    return reply.build(answer.quote)


def _with_topics(message: str, language: str, invitation: str,
                 topics: tuple[Source, ...]) -> Reply:
    reply = ReplyBuilder(language).add(Kind.TEXT, message)
    if topics:
        reply.add(Kind.NOTE, invitation)
        reply.choices += [topic_choice(source, language) for source in topics]
    return reply.build(message)


def unhelpful_thanks_reply(language: str, topics: tuple[Source, ...]) -> Reply:
    """Thanks for a 👎, with other topics that may help after all."""
    return _with_topics(text("thanks_unhelpful", language), language,
                        text("unhelpful_suggestions", language), topics)


def help_reply(language: str, *, platform: str, for_coordinator: bool) -> Reply:
    if platform in _HELP_KEYS:
        return Reply.notice(text(_HELP_KEYS[platform], language), language)
    reply = ReplyBuilder(language).add(Kind.TEXT, text("help", language))
    if for_coordinator:
        reply.add(Kind.TEXT, text("help_coordinator", language))
    return reply.build(text("help", language))


def unanswered_reply(questions: list[Question], language: str, zone: tzinfo) -> Reply:
    """A coordinator's list of questions the guidance had no answer for (private)."""
    if not questions:
        return Reply.notice(text("unanswered_none", language), language, private=True)
    title = text("unanswered_title", language)
    reply = ReplyBuilder(language).add(Kind.HEADER, title)
    for question in questions:
        reply.add(Kind.ITEM, question.text)
        _asked(reply, question, language, zone)
    return reply.build(title, private=True)


def unhelpful_reply(answers: list[UnhelpfulAnswer], language: str, zone: tzinfo) -> Reply:
    """A coordinator's list of answers marked 👎, with their votes (private)."""
    if not answers:
        return Reply.notice(text("unhelpful_none", language), language, private=True)
    title = text("unhelpful_title", language)
    reply = ReplyBuilder(language).add(Kind.HEADER, title)
    for item in answers:
        reply.add(Kind.ITEM, text("unhelpful_item", language, question=item.question.text,
                                  votes=item.votes))
        answer = item.question.answer or "—"
        if len(answer) > ANSWER_EXCERPT_IN_LIST:
            answer = answer[: ANSWER_EXCERPT_IN_LIST - 1].rstrip() + "…"
        reply.add(Kind.QUOTE, answer)
        _asked(reply, item.question, language, zone)
    return reply.build(title, private=True)


def _asked(reply: ReplyBuilder, question: Question, language: str, zone: tzinfo) -> None:
    asked_at = question.asked_at
    if asked_at.tzinfo is None:  # SQLite hands back naive datetimes; they are stored as UTC
        asked_at = asked_at.replace(tzinfo=UTC)
    when = asked_at.astimezone(zone).strftime(text("asked_when", language))
    reply.add(Kind.NOTE, text("asked_by", language, when=when), mention=question.user_id)


class QuestionConversation:
    """Turns what someone typed or pressed into a Reply; the one copy every platform uses."""

    def __init__(self, desk: QuestionDesk, coordinators: Coordinators, *, zone: tzinfo,
                 language: str = "nl"):
        self.desk = desk
        self.coordinators = coordinators
        self.zone = zone
        self.language = language  # for what has no language of its own (help, lists)

    async def reply_to(self, person: Person, typed: str, *, channel_id: str | None = None,
                       length: int | None = None) -> Reply:
        """Help, a coordinator list or an answer; a friendly notice when something breaks.
        `length` is the length of what was typed when `typed` was cut short on arrival."""
        try:
            return await self._reply(person, typed.strip(), channel_id, length)
        except Exception:
            logger.exception("composing a reply failed")
            return Reply.notice(text("error", self.language), self.language)

    async def _reply(self, person: Person, typed: str, channel_id: str | None,
                     length: int | None) -> Reply:
        language = self.language
        intent = intent_of(typed)
        if intent is Intent.HELP:
            return help_reply(language, platform=person.platform,
                              for_coordinator=self.coordinators.includes(person))
        if intent is Intent.QUESTION:
            try:
                if length is not None and length > MAX_QUESTION_CHARS:
                    raise QuestionTooLong(length)
                asked = await self.desk.ask(person, typed, channel_id=channel_id)
            except QuestionTooLong as error:
                language = detect_language(words(typed[:500]))
                return Reply.notice(text("too_long", language, length=error.length,
                                         limit=error.limit), language)
            return answer_reply(asked.answer, asked.id)
        if typed.lower() == "unanswered":
            language = "en"
        if not self.coordinators.includes(person):
            return Reply.notice(text("not_coordinator", language), language, private=True)
        platform, workspace_id = person.platform, person.workspace_id
        if intent is Intent.UNANSWERED:
            questions = await self.desk.unanswered(platform=platform, workspace_id=workspace_id)
            return unanswered_reply(questions, language, self.zone)
        answers = await self.desk.unhelpful(platform=platform, workspace_id=workspace_id)
        return unhelpful_reply(answers, language, self.zone)

    async def press(self, person: Person, choice_id: str, value: str, *,
                    received_ns: int | None = None) -> Reply:
        """What pressing a choice of an earlier reply says; a clear notice for choices this
        conversation does not (or no longer) know. `received_ns`: when the press arrived."""
        try:
            if choice_id in (HELPFUL, UNHELPFUL):
                return await self._feedback(person, value, helpful=choice_id == HELPFUL,
                                            received_ns=received_ns)
            if choice_id == TOPIC:
                return self._show_topic(value)
        except Exception:
            logger.exception("answering a button failed")
            return Reply.notice(text("error", self.language), self.language)
        return Reply.notice(text("unknown_button", self.language), self.language)

    async def _feedback(self, person: Person, value: str, *, helpful: bool,
                        received_ns: int | None) -> Reply:
        question_id = _question_id(value)
        question = None
        if question_id is not None:
            question = await self.desk.record_feedback(person, question_id, helpful=helpful,
                                                       received_ns=received_ns)
        if question is None:
            return Reply.notice(text("unknown_answer", self.language), self.language)
        if helpful:
            return Reply.notice(text("thanks_helpful", question.language), question.language)
        return unhelpful_thanks_reply(question.language, self.desk.other_topics(question))

    def _show_topic(self, value: str) -> Reply:
        language, section_id = _topic(value, self.language)
        answer = self.desk.topic(section_id, language)
        if answer is None:
            return Reply.notice(text("unknown_topic", language), language)
        return answer_reply(answer, question_id=None)
