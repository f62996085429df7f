"""Plain-text rendering of answers, for the terminal chat and `convenantbot ask`."""

from bot.questions.guidance.answers import Answer
from bot.questions.texts import text


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
            parts.append("— " + text("source", answer.language,
                                     document=excerpt.source.document,
                                     section=excerpt.source.section))
    return "\n\n".join(parts)


def answer_json(answer: Answer) -> dict:
    return {
        "answer": answer_text(answer),
        "sources": [{"document": s.document, "section": s.section} for s in answer.sources],
        "confident": answer.confident,
    }
