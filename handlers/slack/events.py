"""Events: a question by @mention (answered in the thread) or in a direct message."""

import logging
import re

from slack_bolt.async_app import AsyncApp

from bot.app import Services
from bot.guidance.words import detect_language, words
from bot.identity import Person
from bot.questions import QuestionTooLong
from bot.texts import text
from handlers.slack import blocks

logger = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def register(app: AsyncApp, services: Services) -> None:
    async def handle_app_mention(event, context, client):
        question = _MENTION.sub("", event.get("text") or "").strip()
        thread = event.get("thread_ts") or event["ts"]
        await services.background.submit(
            lambda: _reply(services, client, context, event, question, thread_ts=thread))

    async def handle_direct_message(event, context, client):
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and other bots' posts are not questions
        question = (event.get("text") or "").strip()
        await services.background.submit(lambda: _reply(services, client, context, event, question))

    app.event("app_mention")(handle_app_mention)
    app.event("message")(handle_direct_message)


async def _reply(services, client, context, event, question, *, thread_ts=None) -> None:
    person = Person("slack", context.get("team_id") or event.get("team", ""), event.get("user", ""))
    channel = event["channel"]
    try:
        message = await _message_for(services, person, question, channel)
    except Exception:
        logger.exception("answering a message failed")
        message = blocks.build_notice(text("error", services.settings.default_language))
    await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)


async def _message_for(services: Services, person: Person, question: str, channel: str) -> dict:
    language = services.settings.default_language
    if not question or question.lower() in {"help", "hulp", "?"}:
        return blocks.build_help(language, for_coordinator=services.coordinators.includes(person))
    try:
        asked = await services.desk.ask(person, question, channel_id=channel)
    except QuestionTooLong as error:
        language = detect_language(words(question[:500]))
        return blocks.build_notice(text("too_long", language, length=error.length,
                                        limit=error.limit))
    return blocks.build_answer(asked.answer, asked.id)
