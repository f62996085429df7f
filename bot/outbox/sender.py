"""What a platform implements so the outbox can post through it, and what the domain
registers so a delivery can be rendered at send time."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.identity import ChannelRef

# The domain's side of rendering: turns a delivery's stored data into the view data of now
# (say, an announcement with its current read count). None: the subject is gone, drop it.
ViewLoader = Callable[[AsyncSession, dict], Awaitable[dict | None]]
# A platform's side: pure builders from view data and language to that platform's message
# (Slack: chat.postMessage keyword arguments; for uploads: filename, content, title, ...).
Builder = Callable[[dict, str], dict[str, Any]]


@dataclass(frozen=True)
class Sent:
    message_id: str        # Slack: the message ts
    conversation_id: str   # where it landed: the channel, or the DM channel opened for a user


class DeliveryError(Exception):
    """A platform refused or failed a delivery. `reason` is a stable code the domain has texts
    for ("not_in_channel", "channel_not_found", "is_archived", "restricted_action", ...)."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after  # set for rate limits: the whole workspace waits


class Sender(Protocol):
    """One platform's way to post. Raises DeliveryError; never retries rate limits itself
    (the dispatcher holds every waiting delivery back when one is told to wait)."""

    platform: str

    @property
    def builders(self) -> Mapping[str, Builder]: ...

    async def post(self, target: ChannelRef, message: dict[str, Any], *,
                   delivery_id: int) -> Sent: ...

    async def update(self, conversation_id: str, message_id: str,
                     message: dict[str, Any]) -> None: ...

    async def delete(self, conversation_id: str, message_id: str) -> None: ...

    async def upload(self, target: ChannelRef, file: dict[str, Any], *,
                     delivery_id: int) -> Sent: ...

    async def find_posted(self, target: ChannelRef, delivery_id: int, *,
                          since: datetime) -> Sent | None:
        """After a crash: the message a delivery posted before it could be marked sent."""
        ...
