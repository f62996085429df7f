"""Plain-text rendering of answers, for the terminal chat and `convenantbot ask`."""

from bot.guidance.answers import Answer
from bot.texts import text


def answer_text(answer: Answer) -> str:
    """The answer as one block of text: the quote (or the honest refusal) and nothing else."""
    if answer.confident:
        lead_in = text("lead_in", answer.language)
        return f"{lead_in}\n\n{answer.quote}" if lead_in else answer.quote
    lines = [text("not_covered", answer.language)]
    if answer.suggestions:
        lines.append(text("not_covered_suggestions", answer.language))
        lines.extend(f"- {s.section} ({s.document})" for s in answer.suggestions)
    return "\n".join(lines)


def sources_text(answer: Answer) -> str:
    return "\n".join(
        text("source", answer.language, document=s.document, section=s.section)
        for s in answer.sources
    )


def answer_json(answer: Answer) -> dict:
    return {
        "answer": answer_text(answer),
        "sources": [{"document": s.document, "section": s.section} for s in answer.sources],
        "confident": answer.confident,
    }
