"""Composes a chat-sized answer from the best passages, with its sources."""

from dataclasses import dataclass

from bot.guidance.content import Section
from bot.guidance.retrieval import GuidanceIndex, Hit, SearchResult

ANSWER_BUDGET = 900  # characters of quoted guidance: a chat answer, not a wall of text
COMPANION_SHARE = 0.75  # a second passage joins the best one when it scores this close


@dataclass(frozen=True)
class Source:
    document: str
    section: str
    section_id: str

    @classmethod
    def of(cls, section: Section) -> "Source":
        return cls(section.document_title, section.heading, section.id)


@dataclass(frozen=True)
class Answer:
    """What the guidance says about a question; `quote` is empty when it says nothing."""

    question: str
    language: str
    confident: bool
    quote: str
    sources: tuple[Source, ...]
    suggestions: tuple[Source, ...] = ()


def answer_question(index: GuidanceIndex, question: str) -> Answer:
    result = index.search(question)
    language = result.question.language
    if not result.confident:
        suggestions = tuple(Source.of(s) for s in result.nearest_sections(3))
        return Answer(question, language, False, "", (), suggestions)
    best = result.hits[0]
    quote = "\n\n".join(best.section.passages[i].text for i in _passages_to_quote(result, best))
    return Answer(question, language, True, quote, (Source.of(best.section),))


def answer_topic(index: GuidanceIndex, section_id: str, language: str = "nl") -> Answer | None:
    """The opening of one section, for someone who picked a suggested topic."""
    section = index.library.section(section_id)
    if section is None:
        return None
    chosen = _within_budget(section, range(len(section.passages)))
    quote = "\n\n".join(section.passages[i].text for i in chosen)
    return Answer(section.heading, language, True, quote, (Source.of(section),))


def _passages_to_quote(result: SearchResult, best: Hit) -> list[int]:
    section, chosen = best.section, {best.passage_index}
    passages = section.passages
    if passages[best.passage_index].introduces_list:
        following = range(best.passage_index + 1, len(passages))
        items = [i for i in following if passages[i].is_list_item]
        chosen.update(_within_budget(section, [best.passage_index, *items]))
    elif passages[best.passage_index].is_list_item:
        intro = _list_intro(section, best.passage_index)
        if intro is not None:
            chosen.add(intro)
    for hit in result.hits[1:4]:
        if hit.section is section and hit.score >= COMPANION_SHARE * best.score:
            candidate = sorted(chosen | {hit.passage_index})
            if _length(section, candidate) <= ANSWER_BUDGET:
                chosen.add(hit.passage_index)
    return sorted(chosen)


def _list_intro(section: Section, item_index: int) -> int | None:
    index = item_index
    while index > 0 and section.passages[index - 1].is_list_item:
        index -= 1
    if index > 0 and section.passages[index - 1].introduces_list:
        return index - 1
    return None


def _within_budget(section: Section, indexes) -> list[int]:
    chosen: list[int] = []
    for index in indexes:
        if chosen and _length(section, [*chosen, index]) > ANSWER_BUDGET:
            break
        chosen.append(index)
    return chosen


def _length(section: Section, indexes) -> int:
    return sum(len(section.passages[i].text) + 2 for i in indexes)
