"""Finds the passages of the guidance that answer a question: BM25 over passages, each
scored together with its section, and a confidence from how much of the question the
best section covers."""

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from operator import itemgetter

from bot.questions.guidance.analysis import AnalyzedQuestion, Analyzer, Concept
from bot.questions.guidance.content import Library, Section
from bot.questions.guidance.words import load_word_frequencies

K1, B = 1.2, 0.5  # b below the usual 0.75: a short list item should not win on brevity
HEADING_BOOST = 2  # a section heading says what the section is about
EXAMPLE_WEIGHT = 1.5  # example questions ("? " lines) say what a passage answers
QUESTION_PASSAGE_WEIGHT = 0.8  # a passage that only asks a question rarely answers one
SECTION_WEIGHT = 0.6  # how much the surrounding section counts towards a passage
MIN_COVERAGE = 0.45  # share of the question's meaning the best section must cover
MAX_MISSING = 3.25  # a missing word this telling (dresscode, Zwolle, 2025) means "not covered"
SPECIFICITY_POWER = 0.5
NUMBER_SHARE = 0.6  # a passage with the number asked for may score this much lower
PAIR_WEIGHT = 3.0  # two question words side by side in a passage, as in the question


@dataclass(frozen=True)
class Hit:
    section: Section
    passage_index: int
    score: float


@dataclass(frozen=True)
class SearchResult:
    question: AnalyzedQuestion
    hits: tuple[Hit, ...]  # best first
    coverage: float  # share of the question's meaning found in the best section
    missing: float  # specificity of the most telling word the best section lacks
    off_topic: bool = False  # it asks about a topic not covered, which the section doesn't name

    @property
    def confident(self) -> bool:
        """Whether the best section answers the question, rather than only sharing words
        with it: it covers most of the question, lacks none of its telling words, names the
        not-covered topic the question is about, and holds a number when asked for one. A
        question about this partnership's own facts (who signed, when the next event is) is
        never answered from the guidance, which is written for every partnership."""
        if (not self.hits or self.coverage < MIN_COVERAGE or self.missing >= MAX_MISSING
                or self.off_topic or self.question.asks_for_partnership_fact):
            return False
        return not self.question.asks_for_number or any(
            char.isdigit() for passage in self.hits[0].section.passages for char in passage.text)

    def nearest_sections(self, limit: int = 3) -> list[Section]:
        seen: list[Section] = []
        for hit in self.hits:
            if hit.section not in seen:
                seen.append(hit.section)
            if len(seen) == limit:
                break
        return seen


class _Bm25:
    """Okapi BM25 over bags of terms (the weighted query terms rank_bm25 lacks)."""

    def __init__(self, bags: list[Counter]):
        self.bags = bags
        self.lengths = [sum(bag.values()) for bag in bags]
        self.average = (sum(self.lengths) / len(bags)) if bags else 1.0
        frequency = Counter(term for bag in bags for term in bag)
        n = len(bags)
        self.idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}
        self.postings: dict[str, list[int]] = {}
        for index, bag in enumerate(bags):
            for term in bag:
                self.postings.setdefault(term, []).append(index)

    def term_score(self, term: str, index: int) -> float:
        tf = self.bags[index].get(term, 0)
        if not tf:
            return 0.0
        norm = K1 * (1 - B + B * self.lengths[index] / self.average)
        return self.idf[term] * tf * (K1 + 1) / (tf + norm)

    def concept_scores(self, concept: Concept) -> dict[int, float]:
        """Per bag, the best-scoring way the concept occurs (synonyms don't add up)."""
        scores: dict[int, float] = {}
        for term, weight in concept.terms.items():
            for index in self.postings.get(term, ()):
                value = weight * self.term_score(term, index)
                if value > scores.get(index, 0.0):
                    scores[index] = value
        return scores


class GuidanceIndex:
    def __init__(self, library: Library):
        self.library = library
        self.sections = library.sections
        texts = [s.heading for s in self.sections] + [p.text for s in self.sections
                                                       for p in s.passages]
        examples = [q for s in self.sections
                    for q in (*s.examples, *(e for p in s.passages for e in p.examples))]
        self.analyzer = Analyzer(library.glossary, texts, examples)
        self._units: list[tuple[int, int]] = []  # (section index, passage index)
        self._unit_weights: list[float] = []
        self._unit_pairs: list[frozenset[tuple[str, str]]] = []
        unit_bags, section_bags = [], []
        for s_index, section in enumerate(self.sections):
            context = (self._bag(section.heading, HEADING_BOOST)
                       + self._bag(section.document_title)
                       + self._bag(" ".join(section.examples), EXAMPLE_WEIGHT))
            section_bag = Counter(context)
            for p_index, passage in enumerate(section.passages):
                own = self._bag(passage.text) + self._bag(" ".join(passage.examples),
                                                          EXAMPLE_WEIGHT)
                section_bag += own
                unit_bags.append(own + context)
                self._unit_pairs.append(self.analyzer.word_pairs(
                    "\n".join((section.heading, passage.text, *passage.examples))))
                self._units.append((s_index, p_index))
                self._unit_weights.append(
                    QUESTION_PASSAGE_WEIGHT if passage.text.endswith("?") else 1.0)
            section_bags.append(section_bag)
        self._passages = _Bm25(unit_bags)
        self._sections = _Bm25(section_bags)
        load_word_frequencies()  # while the index is built, not in the first answer

    def _bag(self, text: str, weight: float = 1.0) -> Counter:
        return Counter({term: count * weight for term, count
                        in Counter(self.analyzer.document_terms(text)).items()})

    def _pair_bonuses(self, analyzed: AnalyzedQuestion, candidates) -> Counter:
        """For each candidate passage, the pairs of neighbouring question words it also has
        side by side, weighed like the words themselves."""
        concepts = analyzed.concepts
        pairs = [({t for t, w in left.terms.items() if w == 1.0},
                  {t for t, w in right.terms.items() if w == 1.0},
                  ((left.specificity * right.specificity) ** 0.5) ** SPECIFICITY_POWER)
                 for left, right in pairwise(concepts)]
        bonuses: Counter = Counter()
        for u_index in candidates:
            unit_pairs = self._unit_pairs[u_index]
            for lefts, rights, importance in pairs:
                if any((a, b) in unit_pairs for a in lefts for b in rights):
                    bonuses[u_index] += PAIR_WEIGHT * importance
        return bonuses

    def search(self, question: str) -> SearchResult:
        analyzed = self.analyzer.analyze_question(question)
        section_scores: Counter = Counter()
        unit_scores: Counter = Counter()
        for concept in analyzed.concepts:
            # BM25 knows how rare a word is in the guidance; specificity adds how rare it is
            # in everyday language, so "onze" or "helpen" cannot outweigh "belangen".
            importance = concept.specificity ** SPECIFICITY_POWER
            for index, score in self._sections.concept_scores(concept).items():
                section_scores[index] += importance * score
            for index, score in self._passages.concept_scores(concept).items():
                unit_scores[index] += importance * score
        for u_index, bonus in self._pair_bonuses(analyzed, unit_scores).items():
            unit_scores[u_index] += bonus
        combined: dict[int, float] = {}
        for u_index, score in unit_scores.items():
            s_index = self._units[u_index][0]
            combined[u_index] = ((score + SECTION_WEIGHT * section_scores[s_index])
                                 * self._unit_weights[u_index])
        best = heapq.nlargest(12, combined.items(), key=itemgetter(1))  # Counter.most_common
        if analyzed.asks_for_number and best:
            best = self._number_first(best)
        hits = tuple(Hit(self.sections[self._units[u][0]], self._units[u][1], score)
                     for u, score in best)
        if not hits:
            return SearchResult(analyzed, hits, 0.0, 0.0)
        s_index = self._units[best[0][0]][0]
        coverage, missing = self._coverage(analyzed, s_index)
        bag = self._sections.bags[s_index]
        off_topic = any(c.off_topic and not any(t in bag for t in c.off_topic)
                        for c in analyzed.concepts)
        return SearchResult(analyzed, hits, coverage, missing, off_topic)

    def _number_first(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """For "hoeveel", the best passage that holds a number, when it scores nearly as
        well as the best passage of all."""
        top = ranked[0][1]
        for position, (u_index, score) in enumerate(ranked):
            if score < NUMBER_SHARE * top:
                break
            s_index, p_index = self._units[u_index]
            if any(char.isdigit() for char in self.sections[s_index].passages[p_index].text):
                return [ranked[position], *ranked[:position], *ranked[position + 1:]]
        return ranked

    def _coverage(self, analyzed: AnalyzedQuestion, s_index: int) -> tuple[float, float]:
        """The share of the question's meaning a section holds, and the specificity of the
        most telling word it lacks."""
        bag = self._sections.bags[s_index]
        found = {id(c): any(t in bag for t in c.terms) for c in analyzed.concepts}
        # Who asks only counts where the section mentions it.
        telling = [c for c in analyzed.concepts if found[id(c)] or not c.is_context]
        total = sum(c.specificity for c in telling)
        covered = sum(c.specificity for c in telling if found[id(c)])
        missing = max((c.specificity for c in telling if not found[id(c)]), default=0.0)
        asked_for = [found[id(c)] for c in telling if c.is_asked_for]
        if asked_for and not any(asked_for):
            missing = math.inf  # a section that never names what is asked for cannot name it
        return (covered / total if total else 0.0), missing
