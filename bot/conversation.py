"""Platform-neutral replies: what the bot says, as parts and choices, before any platform
renders it (Slack as Block Kit, the terminal as numbered text, Teams as an Adaptive Card).

A choice is a button: a stable `id` naming what pressing it does (the platform maps it to an
action id or a card verb) and a `value` the domain decodes when it is pressed. Values are made
and read by the capability that owns the choice id, and nowhere else.
"""

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    TEXT = "text"  # a paragraph
    QUOTE = "quote"  # a passage quoted from a source, with an optional intro line
    SOURCE = "source"  # where the quote before it comes from
    NOTE = "note"  # small print: a question before the choices, who asked and when
    HEADER = "header"  # the title of a list
    ITEM = "item"  # one entry of a list


@dataclass(frozen=True)
class Part:
    kind: Kind
    text: str
    intro: str = ""  # QUOTE: a line said before the quote ("The guidance says:")
    mention: str = ""  # a user id the platform names after the text (as <@U1>, @U1, ...)


@dataclass(frozen=True)
class Choice:
    id: str  # what pressing it does, e.g. "questions.helpful"
    label: str
    value: str  # what the owner of `id` needs to act on it, encoded by that owner


@dataclass(frozen=True)
class Reply:
    """What the bot says back. `summary` is the one-line text for notifications and clients
    without rich rendering; `private` replies are shown to the asker only, wherever asked."""

    summary: str
    language: str
    parts: tuple[Part, ...] = ()
    choices: tuple[Choice, ...] = ()
    private: bool = False

    @classmethod
    def notice(cls, message: str, language: str, *, private: bool = False) -> "Reply":
        return cls(summary=message, language=language, parts=(Part(Kind.TEXT, message),),
                   private=private)


@dataclass
class ReplyBuilder:
    """Collects parts and choices in order; `build` makes the immutable Reply."""

    language: str
    parts: list[Part] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)

    def add(self, kind: Kind, text: str, **extra: str) -> "ReplyBuilder":
        self.parts.append(Part(kind, text, **extra))
        return self

    def build(self, summary: str, *, private: bool = False) -> Reply:
        return Reply(summary=summary, language=self.language, parts=tuple(self.parts),
                     choices=tuple(self.choices), private=private)
