"""Turns Dutch (and English) text into index terms: normalising, stop words, Snowball
stems, compound splitting, synonyms and English-to-Dutch terms from the glossary."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from stop_words import get_stop_words
from wordfreq import zipf_frequency

from bot.guidance.content import Glossary

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'&@.][a-z0-9]+)*")
_LINKERS = ("", "s", "e", "en")  # Dutch compounds join parts with these: werking-s-verband
_MIN_PART = 3
_MAX_PHRASE = 4
SYNONYM_WEIGHT = 0.8


def normalize(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2010", "-")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _TOKEN.findall(normalize(text))


@dataclass
class Concept:
    """One meaningful word of a question and the index terms that may stand for it."""

    word: str
    terms: dict[str, float] = field(default_factory=dict)
    specificity: float = 1.0

    def add(self, term: str, weight: float) -> None:
        if weight > self.terms.get(term, 0.0):
            self.terms[term] = weight


@dataclass(frozen=True)
class AnalyzedQuestion:
    language: str
    concepts: tuple[Concept, ...]


class Analyzer:
    """Built once from the guidance vocabulary and the glossary; then only reads."""

    def __init__(self, glossary: Glossary, corpus_texts: Iterable[str]):
        self._nl = snowballstemmer.stemmer("dutch")
        self._en = snowballstemmer.stemmer("english")
        self.stopwords = frozenset(
            normalize(w) for w in [*get_stop_words("dutch"), *glossary.stopwords]
        )
        self._english_stopwords = frozenset(normalize(w) for w in get_stop_words("english"))
        corpus_words = {w for text in corpus_texts for token in words(text)
                        for w in _pieces(token)}
        glossary_words = {w for group in glossary.synonyms for phrase in group
                          for w in words(phrase)}
        self._known = frozenset(
            w for w in corpus_words | glossary_words
            if len(w) >= _MIN_PART and w not in self.stopwords
        )
        self.vocabulary = frozenset(t for w in corpus_words for t in self.terms_of_word(w))
        self._synonyms = self._synonym_index(glossary)
        self._synonym_words = frozenset(w for group in glossary.synonyms for w in group)
        self._english = {
            tuple(self._en.stemWord(w) for w in words(key)): targets
            for key, targets in glossary.english.items()
        }

    # --- documents -------------------------------------------------------------------
    def document_terms(self, text: str) -> list[str]:
        """Index terms of a guidance text: stems, plus the parts of compound words."""
        terms: list[str] = []
        for token in words(text):
            for piece in _pieces(token):
                if piece not in self.stopwords:
                    terms.extend(self.terms_of_word(piece))
        return terms

    def terms_of_word(self, word: str) -> list[str]:
        return _terms_of_word(self, word)

    def stem(self, word: str) -> str:
        return self._nl.stemWord(word)

    def split_compound(self, word: str) -> tuple[str, ...]:
        return _split(self._known, word, 3)

    # --- questions -------------------------------------------------------------------
    def analyze_question(self, text: str) -> AnalyzedQuestion:
        tokens = words(text)
        language = detect_language(tokens)
        concepts: list[Concept] = []
        index = 0
        while index < len(tokens):
            consumed, translated = self._english_phrase(tokens, index, language)
            if translated:
                concepts.append(translated)
                index += consumed
                continue
            token = tokens[index]
            index += 1
            concepts.extend(self._concepts_of_token(token, language))
        return AnalyzedQuestion(language, tuple(c for c in concepts if c.terms))

    def _english_phrase(self, tokens, start, language) -> tuple[int, Concept | None]:
        for length in range(min(_MAX_PHRASE, len(tokens) - start), 0, -1):
            phrase = tokens[start:start + length]
            key = tuple(self._en.stemWord(w) for w in phrase)
            targets = self._english.get(key)
            if targets is None:
                continue
            if language != "en" and any(self._is_dutch_word(w) for w in phrase):
                continue  # a Dutch question uses an English word only where Dutch has none
            concept = Concept(" ".join(phrase), specificity=_specificity(phrase, "en"))
            for target in targets:
                target_terms = self.document_terms(target)
                for term in target_terms:
                    concept.add(term, 1.0 / max(1, len(target_terms)) ** 0.5)
            return length, concept
        return 0, None

    def _is_dutch_word(self, word: str) -> bool:
        return word in self.stopwords or any(t in self.vocabulary for t in self.terms_of_word(word))

    def _concepts_of_token(self, token: str, language: str) -> list[Concept]:
        stop = self._english_stopwords if language == "en" else self.stopwords
        if token in stop or token in self.stopwords:
            return []
        whole, *parts = _pieces(token)
        if parts and (self.stem(whole) in self.vocabulary or whole in self._synonym_words):
            parts = []  # the joined word is known: its parts would count it twice
        concepts = []
        for piece in parts or [whole]:
            if piece in stop or piece in self.stopwords or len(piece) < 2:
                continue
            known = self.stem(piece) in self.vocabulary or piece in self._synonym_words
            for word in (() if known else self.split_compound(piece)) or (piece,):
                concepts.append(self._concept(word, language))
        return concepts

    def _concept(self, word: str, language: str) -> Concept:
        concept = Concept(word, specificity=_specificity([word], language))
        own = self.stem(word)
        concept.add(own, 1.0)
        if language == "en":
            concept.add(self._en.stemWord(word), 1.0)
        for term, weight in self._synonyms.get(own, {}).items():
            concept.add(term, weight)
        return concept

    def _synonym_index(self, glossary: Glossary) -> dict[str, dict[str, float]]:
        index: dict[str, dict[str, float]] = {}
        for group in glossary.synonyms:
            member_terms = [self.document_terms(phrase) for phrase in group]
            for member in member_terms:
                if len(member) != 1:
                    continue  # a phrase member is found, but does not find others
                expansions = index.setdefault(member[0], {})
                for other in member_terms:
                    for term in other:
                        if term != member[0]:
                            weight = SYNONYM_WEIGHT / max(1, len(other)) ** 0.5
                            expansions[term] = max(expansions.get(term, 0.0), weight)
        return index


@lru_cache(maxsize=65536)
def _terms_of_word(analyzer: Analyzer, word: str) -> list[str]:
    terms = [analyzer.stem(word)]
    terms.extend(analyzer.stem(part) for part in analyzer.split_compound(word))
    return terms


def _pieces(token: str) -> list[str]:
    """A joined word counts whole and by its parts: kick-off -> kickoff, kick, off."""
    if "@" in token or "." in token:  # e-mail and web addresses
        return [token, *(p for p in re.split(r"[@.]", token) if p)]
    token = token.removesuffix("'s")  # Dutch plural: collega's, regio's
    parts = [p for p in re.split(r"[-'&]", token) if p]
    return parts if len(parts) == 1 else ["".join(parts), *parts]


@lru_cache(maxsize=65536)
def _split(known: frozenset[str], word: str, max_parts: int) -> tuple[str, ...]:
    """The shortest split of a compound into known words (longest head first), or ()."""
    if max_parts < 2 or len(word) < 2 * _MIN_PART:
        return ()
    best: tuple[str, ...] = ()
    for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
        head = word[:cut]
        if head not in known:
            continue
        for linker in _LINKERS:
            rest = word[cut:]
            if not rest.startswith(linker):
                continue
            tail = rest[len(linker):]
            if tail in known and len(tail) >= _MIN_PART:
                return (head, tail)
            if not best:
                deeper = _split(known, tail, max_parts - 1)
                if deeper:
                    best = (head, *deeper)
    return best


def _specificity(phrase: list[str], language: str) -> float:
    """How telling a word is: rare words in everyday language weigh more than common ones."""
    zipf = min(zipf_frequency(w, language) for w in phrase) if phrase else 0.0
    return min(6.0, max(0.3, 6.5 - zipf))


def detect_language(tokens: list[str]) -> str:
    """'en' or 'nl', by which language makes the words more common (Dutch on a tie)."""
    balance = sum(zipf_frequency(t, "en") - zipf_frequency(t, "nl") for t in tokens[:40])
    return "en" if balance > 1.0 else "nl"
