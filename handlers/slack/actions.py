"""Button clicks: 👍/👎 on an answer, a suggested topic, and buttons we no longer know."""

import logging

from slack_bolt.async_app import AsyncApp

from bot.app import Services
from bot.texts import text
from handlers.slack import blocks, ids
from handlers.slack.context import person_from

logger = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    async def handle_feedback(ack, action, body, context, respond):
        await ack()
        helpful = action["action_id"] == ids.FEEDBACK_HELPFUL
        language = services.settings.default_language
        question_id = _as_int(action.get("value"))
        question = None
        if question_id is not None:
            question = await services.desk.record_feedback(
                person_from(context, body), question_id, helpful=helpful)
        if question is None:
            message = text("unknown_answer", language)
        else:
            language = question.language
            message = text("thanks_helpful" if helpful else "thanks_unhelpful", language)
        await respond(**blocks.build_notice(message), response_type="ephemeral",
                      replace_original=False)

    async def handle_show_topic(ack, action, respond):
        await ack()
        language, _, section_id = (action.get("value") or "").partition("|")
        answer = services.desk.topic(section_id, language if language in ("nl", "en") else "nl")
        if answer is None:
            message = blocks.build_notice(text("unknown_topic", language))
        else:
            message = blocks.build_answer(answer, question_id=None)
        await respond(**message, response_type="ephemeral", replace_original=False)

    async def handle_unknown_action(ack, respond):
        await ack()
        await respond(**blocks.build_notice(text("unknown_button",
                                                 services.settings.default_language)),
                      response_type="ephemeral", replace_original=False)

    app.action(ids.FEEDBACK_HELPFUL)(handle_feedback)
    app.action(ids.FEEDBACK_UNHELPFUL)(handle_feedback)
    app.action(ids.SHOW_TOPIC)(handle_show_topic)
    # Registered last: Bolt runs the first listener that matches.
    app.action(ids.ANY_ACTION)(handle_unknown_action)


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
