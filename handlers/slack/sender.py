"""The outbox's Slack side: posts, updates, deletes and uploads through the Web API, tagging
each post with message metadata naming its delivery, so a crash between the post and its
record can be reconciled from the channel's history."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.identity import ChannelRef
from bot.outbox.sender import Builder, DeliveryError, Sent

METADATA_EVENT = "convenantbot_delivery"

# Slack errors a retry cannot mend; anything else (timeouts, 5xx, internal_error) is retried.
PERMANENT = {
    "not_in_channel", "channel_not_found", "is_archived", "restricted_action",
    "msg_too_long", "invalid_blocks", "invalid_blocks_format", "no_text", "message_not_found",
    "cant_update_message", "cant_delete_message", "user_not_found", "user_disabled",
    "not_authed", "invalid_auth", "account_inactive", "token_revoked", "missing_scope",
    "method_not_supported_for_channel_type", "ekm_access_denied", "team_access_not_granted",
}


class SlackSender:
    platform = "slack"

    def __init__(self, client: AsyncWebClient, builders: Mapping[str, Builder]):
        self.client = client
        self.builders = builders

    async def post(self, target: ChannelRef, message: dict[str, Any], *,
                   delivery_id: int) -> Sent:
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"delivery": delivery_id}}
        response = await self._call(self.client.chat_postMessage, channel=target.address,
                                    metadata=metadata, **message)
        return Sent(message_id=response["ts"], conversation_id=response["channel"])

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
        response = await self._call(self.client.files_upload_v2, channel=channel, **file)
        uploaded = response.get("file") or (response.get("files") or [{}])[0]
        return Sent(message_id=str(uploaded.get("id", "")), conversation_id=channel)

    async def find_posted(self, target: ChannelRef, delivery_id: int, *,
                          since: datetime) -> Sent | None:
        channel = target.channel_id
        if not channel:
            opened = await self._call(self.client.conversations_open, users=target.user_id)
            channel = opened["channel"]["id"]
        cursor = None
        while True:
            page = await self._call(self.client.conversations_history, channel=channel,
                                    oldest=f"{since.timestamp():.6f}", include_all_metadata=True,
                                    limit=200, cursor=cursor)
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if (metadata.get("event_type") == METADATA_EVENT
                        and metadata.get("event_payload", {}).get("delivery") == delivery_id):
                    return Sent(message_id=message["ts"], conversation_id=channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    @staticmethod
    async def _call(method, **arguments):
        try:
            return await method(**arguments)
        except SlackApiError as error:
            response = error.response
            reason = str(response.get("error") or "unknown_error")
            if response.status_code == 429:
                retry_after = float(response.headers.get("retry-after", 1) or 1)
                raise DeliveryError("ratelimited", permanent=False,
                                    retry_after=retry_after) from error
            raise DeliveryError(reason, permanent=reason in PERMANENT) from error
