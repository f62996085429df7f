"""Slash commands: /vraag <question>, /vraag help, and the coordinators' lists."""

import logging

from slack_bolt.async_app import AsyncApp

from bot.app import Services
from bot.guidance.words import detect_language, words
from bot.identity import Person
from bot.questions import QuestionTooLong
from bot.texts import text
from handlers.slack import blocks
from handlers.slack.context import person_from

logger = logging.getLogger(__name__)

HELP_WORDS = {"help", "hulp", "?", "uitleg"}
UNANSWERED_WORDS = {"onbeantwoord", "unanswered"}
FEEDBACK_WORDS = {"feedback"}


def register(app: AsyncApp, services: Services) -> None:
    async def handle_vraag_command(ack, command, context, respond):
        await ack()
        person = person_from(context, command)
        question = (command.get("text") or "").strip()
        await services.background.submit(
            lambda: _reply(services, person, question, command.get("channel_id"), respond))

    app.command("/vraag")(handle_vraag_command)


async def _reply(services: Services, person: Person, question: str, channel_id, respond):
    language = services.settings.default_language
    keyword = question.lower()
    try:
        if keyword in HELP_WORDS or not question:
            for_coordinator = services.coordinators.includes(person)
            await respond(**blocks.build_help(language, for_coordinator=for_coordinator))
        elif keyword in UNANSWERED_WORDS | FEEDBACK_WORDS:
            await _coordinator_list(services, person, keyword, respond)
        else:
            await _answer(services, person, question, channel_id, respond)
    except Exception:
        logger.exception("/vraag failed")
        await respond(**blocks.build_notice(text("error", language)))


async def _answer(services: Services, person, question: str, channel_id, respond) -> None:
    try:
        asked = await services.desk.ask(person, question, channel_id=channel_id)
    except QuestionTooLong as error:
        language = detect_language(words(question[:500]))
        await respond(**blocks.build_notice(
            text("too_long", language, length=error.length, limit=error.limit)))
        return
    await respond(**blocks.build_answer(asked.answer, asked.id))


async def _coordinator_list(services: Services, person, keyword: str, respond) -> None:
    language = "en" if keyword == "unanswered" else services.settings.default_language
    if not services.coordinators.includes(person):
        await respond(**blocks.build_notice(text("not_coordinator", language)))
        return
    timezone = services.library.covenant.timezone
    where = {"platform": person.platform, "workspace_id": person.workspace_id}
    if keyword in UNANSWERED_WORDS:
        questions = await services.desk.unanswered(**where)
        await respond(**blocks.build_unanswered(questions, language, timezone))
    else:
        answers = await services.desk.unhelpful(**where)
        await respond(**blocks.build_unhelpful(answers, language, timezone))
