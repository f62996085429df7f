"""Events: a question by @mention (answered in the thread) or in a direct message."""

import re

from slack_bolt.async_app import AsyncApp

from bot.deps import Services
from handlers.slack.context import person_from
from handlers.slack.replies import post_reply

# Bounded, so a message of 25,000 unclosed "<@A|" does not make the pattern backtrack.
_MENTION = re.compile(r"<@[A-Z0-9]{1,32}(?:\|[^>]{0,128})?>")


def register(app: AsyncApp, services: Services) -> None:
    async def handle_app_mention(event, context, client):
        typed = _MENTION.sub("", event.get("text") or "")
        thread = event.get("thread_ts") or event["ts"]
        await services.background.submit(
            lambda: _post_reply(services, client, context, event, typed, thread_ts=thread))

    async def handle_direct_message(event, context, client):
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, joins and other bots' posts are not questions
        typed = event.get("text") or ""
        await services.background.submit(
            lambda: _post_reply(services, client, context, event, typed))

    app.event("app_mention")(handle_app_mention)
    app.event("message")(handle_direct_message)


async def _post_reply(services, client, context, event, typed, *, thread_ts=None) -> None:
    person = person_from(context, event)
    reply = await services.conversation.reply_to(person, typed, channel_id=event["channel"])
    await post_reply(client, reply, channel=event["channel"], user=person.user_id,
                     thread_ts=thread_ts, is_direct=event.get("channel_type") == "im")
