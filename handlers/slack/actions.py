"""Button clicks: each button stands for a conversation choice (ids.CHOICE_BUTTONS); the
domain says what pressing it means. Buttons no listener knows get a friendly notice."""

import time

from slack_bolt.async_app import AsyncApp

from bot.conversation import Reply
from bot.deps import Services
from bot.questions.texts import text
from handlers.slack import blocks, ids
from handlers.slack.context import person_from

EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}


def register(app: AsyncApp, services: Services) -> None:
    for choice_id, button in ids.CHOICE_BUTTONS.items():
        app.action(button.pattern)(_choice_listener(services, choice_id))


def _choice_listener(services: Services, choice_id: str):
    async def handle_choice(ack, action, body, context, respond):
        await ack()
        person = person_from(context, body)
        value = str(action.get("value") or "")
        received_ns = time.time_ns()  # of two racing clicks, the later one's vote stays

        async def answer() -> None:
            reply = await services.conversation.press(person, choice_id, value,
                                                      received_ns=received_ns)
            await respond(**blocks.render(reply), **EPHEMERAL)

        await services.background.submit(answer)

    return handle_choice


def register_unknown(app: AsyncApp, services: Services) -> None:
    """A friendly notice for buttons of messages no listener knows (any more)."""
    async def handle_unknown_action(ack, respond):
        await ack()
        language = services.settings.default_language
        notice = blocks.render(Reply.notice(text("unknown_button", language), language))
        await services.background.submit(lambda: respond(**notice, **EPHEMERAL))

    app.action(ids.ANY_ACTION)(handle_unknown_action)
