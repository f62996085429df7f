"""What a chat platform tells check-ins about a channel: whether the bot is in it (to accept a
schedule) and who is (to remind those who have not answered). Each platform registers one."""

from typing import Protocol
from weakref import WeakKeyDictionary

from bot.deps import Services
from bot.identity import ChannelRef


class ChannelDirectory(Protocol):
    platform: str

    async def bot_is_member(self, channel: ChannelRef) -> bool:
        """False when the bot is not in the channel, or the channel does not exist."""
        ...

    async def members(self, channel: ChannelRef) -> list[str]:
        """The people in the channel (user ids), without the bot itself."""
        ...


# Keyed by the outbox of one Services (one per process, or per test).
_directories: "WeakKeyDictionary[object, dict[str, ChannelDirectory]]" = WeakKeyDictionary()


def add_directory(services: Services, directory: ChannelDirectory) -> None:
    _directories.setdefault(services.outbox, {})[directory.platform] = directory


def directory_for(services: Services, platform: str) -> ChannelDirectory | None:
    return _directories.get(services.outbox, {}).get(platform)
