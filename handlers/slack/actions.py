"""Button clicks: 👍/👎 on an answer, a suggested topic, and buttons we no longer know."""

from slack_bolt.async_app import AsyncApp

from bot.deps import Services
from bot.identity import Person
from bot.questions.texts import text
from handlers.slack import blocks, ids
from handlers.slack.context import person_from

EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}


def register(app: AsyncApp, services: Services) -> None:
    async def handle_feedback(ack, action, body, context, respond):
        await ack()
        helpful = action["action_id"] == ids.FEEDBACK_HELPFUL
        person = person_from(context, body)
        await services.background.submit(
            lambda: _record_feedback(services, person, action.get("value"), helpful, respond))

    async def handle_show_topic(ack, action, respond):
        await ack()
        value = action.get("value")
        await services.background.submit(lambda: _show_topic(services, value, respond))

    app.action(ids.FEEDBACK_HELPFUL)(handle_feedback)
    app.action(ids.FEEDBACK_UNHELPFUL)(handle_feedback)
    app.action(ids.SHOW_TOPIC)(handle_show_topic)


def register_unknown(app: AsyncApp, services: Services) -> None:
    """A friendly notice for buttons of messages no listener knows (any more)."""
    async def handle_unknown_action(ack, respond):
        await ack()
        notice = blocks.build_notice(text("unknown_button", services.settings.default_language))
        await services.background.submit(lambda: respond(**notice, **EPHEMERAL))

    app.action(ids.ANY_ACTION)(handle_unknown_action)


async def _record_feedback(services: Services, person: Person, value, helpful: bool, respond):
    question_id = _as_int(value)
    question = None
    if question_id is not None:
        question = await services.desk.record_feedback(person, question_id, helpful=helpful)
    if question is None:
        message = blocks.build_notice(text("unknown_answer", services.settings.default_language))
    elif helpful:
        message = blocks.build_notice(text("thanks_helpful", question.language))
    else:
        message = blocks.build_unhelpful_thanks(question.language,
                                                services.desk.other_topics(question))
    await respond(**message, **EPHEMERAL)


async def _show_topic(services: Services, value, respond):
    language, _, section_id = (value or "").partition("|")
    language = language if language in ("nl", "en") else services.settings.default_language
    answer = services.desk.topic(section_id, language)
    if answer is None:
        message = blocks.build_notice(text("unknown_topic", language))
    else:
        message = blocks.build_answer(answer, question_id=None)
    await respond(**message, **EPHEMERAL)


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
