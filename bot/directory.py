"""What a chat platform tells the capabilities about a channel: whether the bot is in it (to
accept a check-in schedule) and who is (reminders, who has not answered an invitation). Each
platform puts one in `Services.directories`."""

from typing import Protocol

from bot.identity import ChannelRef


class ChannelDirectory(Protocol):
    platform: str

    async def bot_is_member(self, channel: ChannelRef) -> bool:
        """False when the bot is not in the channel, or the channel does not exist."""
        ...

    async def members(self, channel: ChannelRef) -> list[str]:
        """The people in the channel (user ids), without the bot itself."""
        ...
