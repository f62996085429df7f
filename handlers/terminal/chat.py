"""A chat in the terminal (like Hubot's shell): type questions, press buttons by number."""

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TextIO

from bot.conversation import Choice
from bot.deps import Services
from bot.identity import Person
from bot.outbox.sender import Builder
from bot.questions.texts import text
from handlers.terminal import announcements, checkins, meetings
from handlers.terminal.render import render
from handlers.terminal.sender import TerminalSender

STOP_WORDS = {"stop", "quit", "exit", "doei", "/stop"}
# Each capability's terminal flows: COMMANDS (first word -> async fn(chat, rest) -> str) and
# BUILDERS (outbox template -> fn(data, language) -> {"text": ...}).
CAPABILITIES: tuple[ModuleType, ...] = (
    announcements,
    checkins,
    meetings,
)
Prompt = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class Button:
    """A capability flow's button in the terminal: pressing its number runs `press`."""

    label: str
    press: Callable[[], Awaitable[str]]


class TerminalChat:
    """One person's conversation; `reply` takes a line and returns what the bot says."""

    def __init__(self, services: Services, person: Person):
        self.services = services
        self.person = person
        self.language = services.settings.default_language
        # The buttons of the latest reply that had any, pressed by number.
        self.buttons: Sequence[Choice | Button] = ()
        # A flow that asked something (a title, a date) gets the next line.
        self.pending: Prompt | None = None

    async def reply(self, line: str) -> str:
        line = line.strip()
        if self.pending is not None:
            prompt, self.pending = self.pending, None
            return await prompt(line)
        if line.isdigit():
            return await self._press(int(line))
        word, _, rest = line.partition(" ")
        for module in CAPABILITIES:
            command = getattr(module, "COMMANDS", {}).get(word.lower())
            if command is not None:
                return await command(self, rest.strip())
        reply = await self.services.conversation.reply_to(self.person, line)
        self.buttons = reply.choices
        return render(reply)

    async def _press(self, number: int) -> str:
        if not 1 <= number <= len(self.buttons):
            return text("terminal_unknown_number", self.language)
        choice = self.buttons[number - 1]
        if isinstance(choice, Button):
            return await choice.press()
        reply = await self.services.conversation.press(self.person, choice.id, choice.value)
        if reply.choices:
            self.buttons = reply.choices
        return render(reply)


def terminal_builders() -> dict[str, Builder]:
    return {name: builder for module in CAPABILITIES
            for name, builder in getattr(module, "BUILDERS", {}).items()}


async def run_chat(services: Services, *, stdin: TextIO = sys.stdin,
                   stdout: TextIO = sys.stdout) -> int:
    """Reads lines until 'stop' or end of input; the same domain code Slack uses. What the
    outbox posts is printed as it goes out."""
    services.outbox.add_sender(TerminalSender(stdout, terminal_builders()))
    await services.start()
    chat = TerminalChat(services, Person("terminal", "local", getpass.getuser()))
    interactive = stdin.isatty()
    print(text("terminal_welcome", chat.language), file=stdout)
    while True:
        if interactive:
            print("\n> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip().lower() in STOP_WORDS:
            break
        if line.strip():
            print(await chat.reply(line), file=stdout, flush=True)
    await services.outbox.run_once()  # what was decided before 'stop' still goes out
    return 0
