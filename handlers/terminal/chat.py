"""A chat in the terminal (like Hubot's shell): type questions, press buttons by number."""

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TextIO

from bot.deps import Services
from bot.identity import Person
from bot.outbox.sender import Builder
from bot.questions.desk import QuestionTooLong
from bot.questions.guidance.answers import Answer, Source
from bot.questions.intents import Intent, intent_of
from bot.questions.texts import text
from handlers.terminal import announcements
from handlers.terminal.render import answer_text
from handlers.terminal.sender import TerminalSender

STOP_WORDS = {"stop", "quit", "exit", "doei", "/stop"}
# Each capability's terminal flows: COMMANDS (first word -> async fn(chat, rest) -> str) and
# BUILDERS (outbox template -> fn(data, language) -> {"text": ...}).
CAPABILITIES: tuple[ModuleType, ...] = (
    announcements,
)
Prompt = Callable[[str], Awaitable[str]]


@dataclass
class Button:
    label: str
    press: Callable[[], Awaitable[str]]


class TerminalChat:
    """One person's conversation; `reply` takes a line and returns what the bot says."""

    def __init__(self, services: Services, person: Person):
        self.services = services
        self.person = person
        self.language = services.settings.default_language
        self.buttons: list[Button] = []
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
        intent = intent_of(line)
        if intent is Intent.HELP:
            return text("terminal_help", self.language)
        if intent is Intent.UNANSWERED:
            return await self._unanswered()
        if intent is Intent.UNHELPFUL:
            return await self._unhelpful()
        try:
            asked = await self.services.desk.ask(self.person, line)
        except QuestionTooLong as error:
            return text("too_long", self.language, length=error.length, limit=error.limit)
        return self._show(asked.answer, asked.id)

    def _show(self, answer: Answer, question_id: int | None) -> str:
        parts = [answer_text(answer, with_sources=True)]
        self.buttons = []
        if question_id is not None and answer.confident:
            parts.append(text("was_helpful", answer.language))
            for key, helpful in (("helpful", True), ("unhelpful", False)):
                self.buttons.append(Button(text(key, answer.language),
                                           self._feedback(question_id, helpful)))
        return self._with_topic_buttons(parts, answer.suggestions, answer.language)

    def _with_topic_buttons(self, parts: list[str], topics: tuple[Source, ...],
                            language: str) -> str:
        for topic in topics:
            self.buttons.append(Button(topic.section, self._topic(topic.section_id, language)))
        if self.buttons:
            parts.append("  ".join(f"[{n}] {b.label}" for n, b in enumerate(self.buttons, 1)))
        return "\n\n".join(parts)

    def _feedback(self, question_id: int, helpful: bool) -> Callable[[], Awaitable[str]]:
        async def press() -> str:
            question = await self.services.desk.record_feedback(
                self.person, question_id, helpful=helpful)
            if question is None:
                return text("unknown_answer", self.language)
            if helpful:
                return text("thanks_helpful", question.language)
            self.buttons = []
            topics = self.services.desk.other_topics(question)
            parts = [text("thanks_unhelpful", question.language)]
            if topics:
                parts.append(text("unhelpful_suggestions", question.language))
            return self._with_topic_buttons(parts, topics, question.language)
        return press

    def _topic(self, section_id: str, language: str) -> Callable[[], Awaitable[str]]:
        async def press() -> str:
            answer = self.services.desk.topic(section_id, language)
            return self._show(answer, None) if answer else text("unknown_topic", language)
        return press

    async def _press(self, number: int) -> str:
        if not 1 <= number <= len(self.buttons):
            return text("terminal_unknown_number", self.language)
        return await self.buttons[number - 1].press()

    async def _unanswered(self) -> str:
        questions = await self.services.desk.unanswered(
            platform=self.person.platform, workspace_id=self.person.workspace_id)
        if not questions:
            return text("unanswered_none", self.language)
        lines = [text("unanswered_title", self.language)]
        lines += [f"- {q.text}" for q in questions]
        return "\n".join(lines)

    async def _unhelpful(self) -> str:
        answers = await self.services.desk.unhelpful(
            platform=self.person.platform, workspace_id=self.person.workspace_id)
        if not answers:
            return text("unhelpful_none", self.language)
        lines = [text("unhelpful_title", self.language)]
        lines += [f"- {a.question.text} (👎 {a.votes})" for a in answers]
        return "\n".join(lines)


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
