"""The outbox's Slack side: posts, updates, deletes and uploads through the Web API, tagging
each post with message metadata naming its delivery, so a crash between the post and its
record can be reconciled from the channel's history (conversations.history with
include_all_metadata: scopes channels:history, groups:history, im:history, mpim:history).

Posts and uploads go out on a client without retry handlers: a retry after a dropped
connection could post twice; the dispatcher looks the delivery up instead before posting again.
A public channel the bot is not in is joined (channels:join) and posted to once more; a
private one stays `not_in_channel` (someone has to /invite the bot).

Uploads carry no metadata (files.completeUploadExternal takes none): after a crash an upload
is looked up by its title and file name among the channel's recent file messages.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.identity import ChannelRef
from bot.outbox.sender import Builder, DeliveryError, Sent

METADATA_EVENT = "convenantbot_delivery"
TEXT_TEMPLATE = "outbox.text"  # a message rendered before it was enqueued: data {"text", ...}


def text_message(data: dict, _language: str) -> dict[str, Any]:
    """The built-in template: `text` (Slack mrkdwn) and optional `blocks`, as given."""
    message: dict[str, Any] = {"text": data["text"]}
    if data.get("blocks"):
        message["blocks"] = data["blocks"]
    return message


# Slack errors a retry cannot mend; anything else (timeouts, 5xx, internal_error) is retried.
PERMANENT = {
    "not_in_channel", "channel_not_found", "is_archived", "restricted_action",
    "msg_too_long", "invalid_blocks", "invalid_blocks_format", "no_text", "message_not_found",
    "cant_update_message", "cant_delete_message", "user_not_found", "user_disabled",
    "not_authed", "invalid_auth", "account_inactive", "token_revoked", "missing_scope",
    "method_not_supported_for_channel_type", "ekm_access_denied", "team_access_not_granted",
    "invalid_arguments", "invalid_metadata_format", "invalid_metadata_schema",
    "metadata_too_large", "too_many_attachments", "not_allowed_token_type", "file_not_found",
}


class SlackSender:
    platform = "slack"

    def __init__(self, client: AsyncWebClient, builders: Mapping[str, Builder]):
        self.given = client
        self.builders = {TEXT_TEMPLATE: text_message, **builders}
        self._session: aiohttp.ClientSession | None = None
        self._clients: tuple[AsyncWebClient, AsyncWebClient] | None = None

    def _open(self) -> tuple[AsyncWebClient, AsyncWebClient]:
        """Two clients on one keep-alive connection pool (slack_sdk opens a connection per
        call without one): `client` retries like the one given, `once` never retries, for
        calls that post (see the module's docstring)."""
        if self._clients is None:
            given = self.given
            session = given.session
            if session is None:
                session = self._session = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=given.timeout))
            self._clients = (
                AsyncWebClient(token=given.token, base_url=given.base_url,
                               timeout=given.timeout, session=session,
                               retry_handlers=given.retry_handlers),
                AsyncWebClient(token=given.token, base_url=given.base_url,
                               timeout=given.timeout, session=session, retry_handlers=[]))
        return self._clients

    @property
    def client(self) -> AsyncWebClient:
        return self._open()[0]

    @property
    def once(self) -> AsyncWebClient:
        return self._open()[1]

    async def close(self) -> None:
        """Closes the connection pool (the dispatcher calls this when it stops)."""
        if self._session is not None:
            await self._session.close()
        self._session = None
        self._clients = None

    async def post(self, target: ChannelRef, message: dict[str, Any], *,
                   delivery_id: int) -> Sent:
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"delivery": delivery_id}}
        try:
            response = await self._call(self.once.chat_postMessage, channel=target.address,
                                        metadata=metadata, **message)
        except DeliveryError as error:
            if error.reason != "not_in_channel" or not target.channel_id:
                raise
            await self._join(target.channel_id)
            response = await self._call(self.once.chat_postMessage, channel=target.address,
                                        metadata=metadata, **message)
        return Sent(message_id=response["ts"], conversation_id=response["channel"])

    async def _join(self, channel: str) -> None:
        """Joins a public channel; a private (or archived) one stays not_in_channel."""
        try:
            await self._call(self.client.conversations_join, channel=channel)
        except DeliveryError as error:
            if error.retry_after is not None or not error.permanent:
                raise
            raise DeliveryError("not_in_channel", permanent=True) from error

    async def update(self, conversation_id: str, message_id: str,
                     message: dict[str, Any]) -> None:
        await self._call(self.client.chat_update, channel=conversation_id, ts=message_id,
                         **message)

    async def delete(self, conversation_id: str, message_id: str) -> None:
        try:
            await self._call(self.client.chat_delete, channel=conversation_id, ts=message_id)
        except DeliveryError as error:
            if error.reason != "message_not_found":  # already gone is what a delete wants
                raise

    async def upload(self, target: ChannelRef, file: dict[str, Any], *,
                     delivery_id: int) -> Sent:
        channel = target.channel_id
        if not channel:
            opened = await self._call(self.client.conversations_open, users=target.user_id)
            channel = opened["channel"]["id"]
        response = await self._call(self.once.files_upload_v2, channel=channel, **file)
        uploaded = response.get("file") or (response.get("files") or [{}])[0]
        return Sent(message_id=str(uploaded.get("id", "")), conversation_id=channel)

    async def find_uploaded(self, target: ChannelRef, file: dict[str, Any], *,
                            since: datetime) -> Sent | None:
        """After a crash: a file message since `since` with this upload's title and name."""
        title, filename = file.get("title"), file.get("filename")
        channel = await self._conversation(target)
        async for message in self._history(channel, since):
            for shared in message.get("files") or ():
                if (shared.get("title") == (title or filename)
                        and (not filename or shared.get("name") == filename)):
                    return Sent(message_id=str(shared.get("id", "")), conversation_id=channel)
        return None

    async def find_posted(self, target: ChannelRef, delivery_id: int, *,
                          since: datetime) -> Sent | None:
        channel = await self._conversation(target)
        async for message in self._history(channel, since):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (metadata.get("event_type") == METADATA_EVENT
                    and str(payload.get("delivery")) == str(delivery_id)):
                return Sent(message_id=message["ts"], conversation_id=channel)
        return None

    async def _conversation(self, target: ChannelRef) -> str:
        if target.channel_id:
            return target.channel_id
        opened = await self._call(self.client.conversations_open, users=target.user_id)
        return opened["channel"]["id"]

    async def _history(self, channel: str, since: datetime):
        cursor = None
        while True:
            page = await self._call(self.client.conversations_history, channel=channel,
                                    oldest=f"{since.timestamp():.6f}", include_all_metadata=True,
                                    limit=200, cursor=cursor)
            for message in page.get("messages", []):
                yield message
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    @staticmethod
    async def _call(method, **arguments):
        try:
            return await method(**arguments)
        except SlackApiError as error:
            response = error.response
            reason = str(response.get("error") or "unknown_error")
            if response.status_code == 429:
                try:
                    retry_after = float(response.headers.get("retry-after", 1) or 1)
                except ValueError:
                    retry_after = 1.0
                raise DeliveryError("ratelimited", permanent=False,
                                    retry_after=retry_after) from error
            if response.status_code >= 500 and reason == "unknown_error":
                reason = "internal_error"
            raise DeliveryError(reason, permanent=reason in PERMANENT) from error
        except TimeoutError as error:
            raise DeliveryError("timeout", permanent=False) from error
        except aiohttp.ClientError as error:
            raise DeliveryError("connection_error", permanent=False) from error
