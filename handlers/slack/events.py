"""Events: a question by @mention (answered in the thread) or in a direct message. Each is
stored, together with the claim of its event id, before Slack gets its 200."""

import re
import uuid

from slack_bolt.async_app import AsyncApp

from bot.deps import Services
from bot.questions.requests import Incoming
from handlers.slack.context import person_from
from handlers.slack.replies import add_deliverer

# Bounded, so a message of 25,000 unclosed "<@A|" does not make the pattern backtrack.
_MENTION = re.compile(r"<@[A-Z0-9]{1,32}(?:\|[^>]{0,128})?>")
# Event types whose listener claims the event id itself, in the transaction that stores the
# question: a separate earlier claim would lose the question to a crash in between.
SELF_CLAIMED = frozenset({"app_mention", "message"})


def claims_itself(body: dict) -> bool:
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") in SELF_CLAIMED


def register(app: AsyncApp, services: Services) -> None:
    add_deliverer(app, services)

    async def handle_app_mention(event, body, context):
        await _accept(services, context, event, body, _MENTION.sub("", _text(event)),
                      thread_ts=event.get("thread_ts") or event.get("ts"))

    async def handle_direct_message(event, body, context):
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and other bots' posts are not questions
        await _accept(services, context, event, body, _text(event), is_direct=True)

    app.event("app_mention")(handle_app_mention)
    app.event("message")(handle_direct_message)


def _text(event: dict) -> str:
    text = event.get("text")
    return text if isinstance(text, str) else ""


async def _accept(services: Services, context, event: dict, body: dict, typed: str, *,
                  thread_ts: str | None = None, is_direct: bool = False) -> None:
    event_id = body.get("event_id")
    incoming = Incoming(
        person=person_from(context, event),
        claim=event_id if isinstance(event_id, str) and event_id else uuid.uuid4().hex,
        text=typed, channel_id=event.get("channel"), thread_ts=thread_ts, is_direct=is_direct)
    request_id = await services.requests.accept(incoming)
    if request_id is not None:
        await services.background.submit(lambda: services.requests.answer_later(request_id))
