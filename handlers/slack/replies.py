"""The message the bot sends back for what someone typed, wherever they typed it."""

import logging

from bot.deps import Services
from bot.identity import Person
from bot.questions.desk import QuestionTooLong
from bot.questions.guidance.words import detect_language, words
from bot.questions.intents import Intent, intent_of
from bot.questions.texts import text
from handlers.slack import blocks

logger = logging.getLogger(__name__)


async def reply_to(services: Services, person: Person, typed: str, *,
                   channel_id: str | None = None) -> dict:
    """Help, a coordinator list or an answer; a friendly notice when something breaks."""
    try:
        return await _reply(services, person, typed.strip(), channel_id)
    except Exception:
        logger.exception("composing a reply failed")
        return blocks.build_notice(text("error", services.settings.default_language))


async def _reply(services: Services, person: Person, typed: str, channel_id) -> dict:
    language = services.settings.default_language
    intent = intent_of(typed)
    if intent is Intent.HELP:
        return blocks.build_help(language, for_coordinator=services.coordinators.includes(person))
    if intent is Intent.QUESTION:
        try:
            asked = await services.desk.ask(person, typed, channel_id=channel_id)
        except QuestionTooLong as error:
            language = detect_language(words(typed[:500]))
            return blocks.build_notice(text("too_long", language, length=error.length,
                                            limit=error.limit))
        return blocks.build_answer(asked.answer, asked.id)
    if typed.lower() == "unanswered":
        language = "en"
    if not services.coordinators.includes(person):
        return blocks.build_notice(text("not_coordinator", language))
    timezone = services.library.covenant.timezone
    where = {"platform": person.platform, "workspace_id": person.workspace_id}
    if intent is Intent.UNANSWERED:
        questions = await services.desk.unanswered(**where)
        return blocks.build_unanswered(questions, language, timezone)
    return blocks.build_unhelpful(await services.desk.unhelpful(**where), language, timezone)
