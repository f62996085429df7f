"""The outbox's terminal side: a post is printed, as it would appear in the channel."""

import itertools
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TextIO

from bot.identity import ChannelRef
from bot.outbox.sender import Builder, Sent

TEXT_TEMPLATE = "outbox.text"  # a message rendered before it was enqueued: data {"text"}


def text_message(data: dict, _language: str) -> dict[str, Any]:
    return {"text": data["text"]}


class TerminalSender:
    platform = "terminal"
    paced = False  # printing has no rate limit: the outbox sends as fast as it can

    def __init__(self, stdout: TextIO, builders: Mapping[str, Builder]):
        self.stdout = stdout
        self.builders = {TEXT_TEMPLATE: text_message, **builders}
        self._ids = itertools.count(1)

    def _print(self, where: str, body: str) -> None:
        print(f"\n── {where} ──\n{body}", file=self.stdout, flush=True)

    async def post(self, target: ChannelRef, message: dict[str, Any], *,
                   delivery_id: int) -> Sent:
        self._print(_where(target), message["text"])
        return Sent(message_id=str(next(self._ids)), conversation_id=target.address)

    async def update(self, conversation_id: str, message_id: str,
                     message: dict[str, Any]) -> None:
        self._print(f"{_where_id(conversation_id)} (bijgewerkt)", message["text"])

    async def delete(self, conversation_id: str, message_id: str) -> None:
        self._print(f"{_where_id(conversation_id)} (verwijderd)", "")

    async def upload(self, target: ChannelRef, file: dict[str, Any], *,
                     delivery_id: int) -> Sent:
        self._print(_where(target), f"📎 {file.get('path') or file.get('filename')}")
        return Sent(message_id=str(next(self._ids)), conversation_id=target.address)

    async def find_posted(self, target: ChannelRef, delivery_id: int, *,
                          since: datetime) -> Sent | None:
        return None  # what was printed is gone with the process that printed it


def _where(target: ChannelRef) -> str:
    return f"@{target.user_id}" if target.is_direct else _where_id(target.channel_id)


def _where_id(conversation_id: str) -> str:
    return conversation_id if conversation_id.startswith(("#", "@")) else f"#{conversation_id}"
