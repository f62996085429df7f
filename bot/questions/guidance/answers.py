"""Composes a chat-sized answer from the best passages, with its sources."""

from dataclasses import dataclass

from bot.questions.guidance.content import Section
from bot.questions.guidance.retrieval import GuidanceIndex, Hit, SearchResult

ANSWER_BUDGET = 900  # characters of quoted guidance: a chat answer, not a wall of text
COMPANION_SHARE = 0.7  # another passage joins the best one when it scores this close
COMPANION_CANDIDATES = 4
MAX_COMPANIONS = 2


@dataclass(frozen=True)
class Source:
    document: str
    section: str
    section_id: str

    @classmethod
    def of(cls, section: Section) -> "Source":
        return cls(section.document_title, section.heading, section.id)


@dataclass(frozen=True)
class Excerpt:
    """Passages quoted word for word from one section."""

    source: Source
    text: str


@dataclass(frozen=True)
class Answer:
    """What the guidance says about a question; no excerpts when it says nothing."""

    question: str
    language: str
    confident: bool
    excerpts: tuple[Excerpt, ...] = ()
    suggestions: tuple[Source, ...] = ()

    @property
    def quote(self) -> str:
        return "\n\n".join(excerpt.text for excerpt in self.excerpts)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(excerpt.source for excerpt in self.excerpts)


def answer_question(index: GuidanceIndex, question: str) -> Answer:
    result = index.search(question)
    language = result.question.language
    if not result.confident:
        suggestions = tuple(Source.of(s) for s in result.nearest_sections(3))
        return Answer(question, language, False, suggestions=suggestions)
    return Answer(question, language, True, _excerpts(result))


def other_topics(index: GuidanceIndex, question: str, shown: set[tuple[str, str]],
                 limit: int = 3) -> tuple[Source, ...]:
    """The topics nearest to a question besides the ones (document, section) its answer
    quoted: for someone that answer did not help."""
    nearest = index.search(question).nearest_sections(limit + len(shown))
    others = [Source.of(s) for s in nearest if (s.document_title, s.heading) not in shown]
    return tuple(others[:limit])


def answer_topic(index: GuidanceIndex, section_id: str, language: str = "nl") -> Answer | None:
    """The opening of one section, for someone who picked a suggested topic."""
    section = index.library.section(section_id)
    if section is None:
        return None
    chosen = _within_budget(section, range(len(section.passages)), ANSWER_BUDGET)
    return Answer(section.heading, language, True, (_excerpt(section, chosen),))


def _excerpts(result: SearchResult) -> tuple[Excerpt, ...]:
    """The best passage, and up to two more that score nearly as well, within budget."""
    best = result.hits[0]
    chosen: dict[Section, set[int]] = {best.section: set(_with_context(best))}
    budget = ANSWER_BUDGET - _length(best.section, chosen[best.section])
    companions = 0
    for hit in result.hits[1:COMPANION_CANDIDATES + 1]:
        if companions == MAX_COMPANIONS or hit.score < COMPANION_SHARE * best.score:
            break
        already = chosen.get(hit.section, set())
        if hit.passage_index in already:
            continue
        extra = set(_with_context(hit)) - already
        if _length(hit.section, extra) > budget:
            continue
        chosen[hit.section] = already | extra
        budget -= _length(hit.section, extra)
        companions += 1
    return tuple(_excerpt(section, indexes) for section, indexes in chosen.items())


def _excerpt(section: Section, indexes) -> Excerpt:
    text = "\n\n".join(section.passages[i].text for i in sorted(indexes))
    return Excerpt(Source.of(section), text)


def _with_context(hit: Hit) -> list[int]:
    """A passage with what it needs to be read alone: a list item with the sentence that
    introduces the list, and such a sentence with (as many as fit of) its items."""
    section, index = hit.section, hit.passage_index
    passage = section.passages[index]
    if passage.introduces_list:
        following = range(index + 1, len(section.passages))
        items = [i for i in following if section.passages[i].is_list_item]
        return _within_budget(section, [index, *items], ANSWER_BUDGET // 2)
    intro = _list_intro(section, index) if passage.is_list_item else None
    return [index] if intro is None else [intro, index]


def _list_intro(section: Section, item_index: int) -> int | None:
    index = item_index
    while index > 0 and section.passages[index - 1].is_list_item:
        index -= 1
    if index > 0 and section.passages[index - 1].introduces_list:
        return index - 1
    return None


def _within_budget(section: Section, indexes, budget: int) -> list[int]:
    chosen: list[int] = []
    for index in indexes:
        if chosen and _length(section, [*chosen, index]) > budget:
            break
        chosen.append(index)
    return chosen


def _length(section: Section, indexes) -> int:
    return sum(len(section.passages[i].text) + 2 for i in indexes)
