"""Plain-text rendering: a Reply as the terminal chat shows it (choices as numbered buttons),
and answers for `convenantbot ask`."""

import textwrap

from bot.conversation import Kind, Part, Reply
from bot.questions.guidance.answers import Answer
from bot.questions.texts import text

SOURCE_DASH = "— "


def render(reply: Reply) -> str:
    """Paragraphs; a list's details indented under their item; buttons as '[1] label'."""
    paragraphs: list[str] = []
    in_list = False
    for part in reply.parts:
        line = _line(part)
        if part.kind is Kind.ITEM:
            paragraphs.append(f"- {line}")
            in_list = True
        elif in_list and part.kind in (Kind.QUOTE, Kind.NOTE):
            paragraphs[-1] += "\n" + textwrap.indent(line, "  ")
        else:
            paragraphs.append(line)
            in_list = part.kind is Kind.HEADER and bool(paragraphs)
    if reply.choices:
        paragraphs.append("  ".join(f"[{number}] {choice.label}"
                                    for number, choice in enumerate(reply.choices, 1)))
    return "\n\n".join(paragraphs)


def _line(part: Part) -> str:
    if part.kind is Kind.QUOTE and part.intro:
        return f"{part.intro}\n\n{part.text}"
    if part.kind is Kind.SOURCE:
        return SOURCE_DASH + part.text
    if part.mention:
        return f"{part.text} @{part.mention}"
    return part.text


def answer_text(answer: Answer, *, with_sources: bool = False) -> str:
    """The quotes (each followed by its source when asked), or the honest refusal."""
    if not answer.confident:
        lines = [text("not_covered", answer.language)]
        if answer.suggestions:
            lines.append(text("not_covered_suggestions", answer.language))
            lines.extend(f"- {s.section} ({s.document})" for s in answer.suggestions)
        return "\n".join(lines)
    parts = [lead_in] if (lead_in := text("lead_in", answer.language)) else []
    for excerpt in answer.excerpts:
        parts.append(excerpt.text)
        if with_sources:
            parts.append(SOURCE_DASH + text("source", answer.language,
                                            document=excerpt.source.document,
                                            section=excerpt.source.section))
    return "\n\n".join(parts)


def answer_json(answer: Answer) -> dict:
    return {
        "answer": answer_text(answer),
        "sources": [{"document": s.document, "section": s.section} for s in answer.sources],
        "confident": answer.confident,
    }
