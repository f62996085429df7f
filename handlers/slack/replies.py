"""Where a reply goes in Slack: a slash command's response_url, a thread, a DM; a private
reply to a mention in a channel is shown to the asker only (chat.postEphemeral)."""

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import Reply
from handlers.slack import blocks


async def post_reply(client: AsyncWebClient, reply: Reply, *, channel: str, user: str,
                     thread_ts: str | None = None, is_direct: bool = False) -> None:
    """Posts `reply` in `channel` (in the thread `thread_ts`); a private reply outside a
    DM goes to `user` only, so a coordinator's list never shows others' questions in public."""
    message = blocks.render(reply)
    if reply.private and not is_direct:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts,
                                        **message)
    else:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)
