"""Channel membership from the Web API (conversations.info / conversations.members): the Slack
side of bot.directory.ChannelDirectory, for check-ins and meetings."""

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.identity import ChannelRef


class SlackDirectory:
    """Channel membership from the Web API (conversations.info / conversations.members)."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient):
        self.client = client
        self._bot_user: str | None = None

    async def bot_is_member(self, channel: ChannelRef) -> bool:
        try:
            info = await self.client.conversations_info(channel=channel.channel_id)
        except SlackApiError:
            return False  # channel_not_found and friends: not a channel the bot can post in
        return bool((info.get("channel") or {}).get("is_member"))

    async def members(self, channel: ChannelRef) -> list[str]:
        if self._bot_user is None:
            self._bot_user = (await self.client.auth_test()).get("user_id") or ""
        members: list[str] = []
        cursor = None
        while True:
            page = await self.client.conversations_members(channel=channel.channel_id,
                                                           limit=200, cursor=cursor)
            members += page.get("members", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return [member for member in members if member != self._bot_user]
