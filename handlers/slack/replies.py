"""Where a reply goes in Slack: a slash command's response_url, a thread, a DM; a private
reply to a mention in a channel is shown to the asker only (chat.postEphemeral)."""

import logging
from datetime import datetime, timedelta

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.conversation import Reply
from bot.deps import Services
from bot.questions.requests import ClaimedRequest, Deliver
from handlers.slack import blocks

logger = logging.getLogger(__name__)

RESPONSE_URL_LIFETIME = timedelta(minutes=30)  # Slack's promise; we keep a minute's margin
RESPONSE_URL_MARGIN = timedelta(minutes=1)
# Message metadata on every answer posted in a conversation, naming its request: a process
# that takes over a request whose earlier sender died finds out whether the answer is there.
ANSWER_METADATA = "convenantbot_answer"


class ResponseUrlError(RuntimeError):
    pass


def add_deliverer(app: AsyncApp, services: Services) -> None:
    """Stored question requests from Slack are answered through this app's client."""
    if "slack" not in services.requests.deliverers:
        responses = ResponseUrls()
        services.requests.add_deliverer("slack", slack_deliverer(app.client, responses),
                                        close=responses.close)


class ResponseUrls:
    """Posts to slash commands' response_urls over one HTTP session, kept open between
    answers: a new session per answer (what Bolt's `respond` does) opens a new connection
    each time, a TLS handshake with Slack, on the event loop."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, reply: Reply) -> None:
        """What a slash command's `respond` does: Slack shows it to the asker only."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        response = await AsyncWebhookClient(url, timeout=10, session=self._session) \
            .send_dict(blocks.render(reply))
        if response.status_code != 200:
            raise ResponseUrlError(f"response_url answered {response.status_code}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def slack_deliverer(client: AsyncWebClient, responses: ResponseUrls) -> Deliver:
    async def deliver(request: ClaimedRequest, reply: Reply, now: datetime) -> None:
        if request.response_url:
            if now - request.received_at < RESPONSE_URL_LIFETIME - RESPONSE_URL_MARGIN:
                await responses.post(request.response_url, reply)
                return
            # The command's response_url has expired: the asker still gets the answer, by DM.
            logger.info("question request %s: response_url expired, answering by DM",
                        request.id)
            await client.chat_postMessage(channel=request.user_id, **blocks.render(reply))
            return
        channel = request.channel_id or request.user_id
        if request.attempts > 1 and not reply.private and await is_posted(client, request):
            logger.info("question request %s: its answer was posted before; not again",
                        request.id)
            return
        await post_reply(client, reply, channel=channel, user=request.user_id,
                         thread_ts=request.thread_ts,
                         is_direct=request.is_direct or not request.channel_id,
                         metadata={"event_type": ANSWER_METADATA,
                                   "event_payload": {"request": request.id}})
    return deliver


async def post_reply(client: AsyncWebClient, reply: Reply, *, channel: str, user: str,
                     thread_ts: str | None = None, is_direct: bool = False,
                     metadata: dict | None = None) -> None:
    """Posts `reply` in `channel` (in the thread `thread_ts`); a private reply outside a
    DM goes to `user` only, so a coordinator's list never shows others' questions in public."""
    message = blocks.render(reply)
    if reply.private and not is_direct:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts,
                                        **message)
    else:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, metadata=metadata,
                                      **message)


async def is_posted(client: AsyncWebClient, request: ClaimedRequest) -> bool:
    """Whether the answer to `request` is in its thread or conversation already (its
    metadata names the request); False when Slack cannot say."""
    if not request.channel_id:
        return False
    try:
        if request.thread_ts:
            page = await client.conversations_replies(
                channel=request.channel_id, ts=request.thread_ts, include_all_metadata=True,
                limit=200)
        else:
            page = await client.conversations_history(
                channel=request.channel_id, oldest=f"{request.received_at.timestamp():.6f}",
                include_all_metadata=True, limit=200)
    except SlackApiError as error:
        logger.info("question request %s: cannot look for an earlier answer (%s)",
                    request.id, error.response.get("error"))
        return False
    return any((message.get("metadata") or {}).get("event_type") == ANSWER_METADATA
               and (message["metadata"].get("event_payload") or {}).get("request") == request.id
               for message in page.get("messages") or [])
