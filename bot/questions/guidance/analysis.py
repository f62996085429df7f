"""Turns Dutch (and English) text into index terms: normalising, stop words, Snowball
stems, compound splitting, diminutives, and the glossary's synonyms, phrases and
English-to-Dutch terms."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from stop_words import get_stop_words

from bot.questions.guidance.content import Glossary
from bot.questions.guidance.words import (
    MIN_PART,
    MIN_TYPO_LENGTH,
    common_dutch_words,
    detect_language,
    normalize,
    pieces,
    proper_names,
    specificity,
    split_compound,
    stem_with,
    stems_with,
    words,
    zipf,
)

# Endings a stemmer keeps: diminutives (groepje -> groep) and the partitive s (iets leuks).
_INFLECTIONS = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "jes", "je", "s")
_LEXICALISED_ZIPF = 5.0
_REAL_WORD_ZIPF = 1.5  # wordfreq knows it this well: a real word, not a typo
_RARE_PHRASE_WORD_ZIPF = 4.0  # rarer than this, one word can stand for its glossary phrase
_MAX_PHRASE = 4
SYNONYM_WEIGHT = 0.8
PHRASE_PART_WEIGHT = 0.5  # a phrase's own words, when the phrase itself is not found
PHRASE_SPECIFICITY = 2.5  # a glossary phrase is a curated, telling expression
NAMED_SPECIFICITY = 4.0

_YEAR = re.compile(r"(19|20)\d\d")
# Separable verb particles: a guidance word may stand without them (nalezen -> lezen).
_PARTICLES = ("terug", "mee", "door", "over", "voor", "toe", "aan", "uit", "op", "af", "na",
              "in", "om")
_ASKS_FOR_NUMBER = re.compile(
    r"\bhoeveel\b|\bwat kost|\bhoe duur\b|\bhow (much|many)\b|\bwhat does .* cost\b")
# Facts of one partnership that guidance written for every partnership cannot hold: who
# signed it, when its next event is, what someone thinks of it.
_ASKS_FOR_PARTNERSHIP_FACT = re.compile(
    r"\b(wie|welke|who|which)\b.*\b(getekend|ondertekend|ondertekenen|ondertekent|tekent"
    r"|signed|signs|sign)\b"
    r"|\b(wanneer|when)\b.*\b(volgende|eerstvolgende|next|upcoming)\b"
    r"|\b(op|voor) welke datum\b|\b(what|which) date\b"
    r"|\bwat (vindt|vinden)\b.*\b(van|over)\b|\bwhat (does|do)\b.*\bthink\b")
# "Wie is de voorzitter", "what is the postal address": the thing asked for by name, up to
# the first preposition.
_ASKED_FOR_THING = re.compile(
    r"^\W*(?:(?:wie|wat|who|what)\s+(?:is|zijn|was|waren|are|were)|who's|what's)\s+"
    r"(?:(?:bij ons|eigenlijk|nu|precies|currently|actually|now)\s+)*(?:de|het|the)\s+"
    r"((?:(?!(?:van|voor|bij|in|op|met|tussen|over|of|for|at|on|to|from"
    r"|between|about)\b)[a-z][\w-]*\s*){1,3})")


@dataclass
class Concept:
    """One meaningful word (or phrase) of a question and the index terms that may stand
    for it, each with a weight: 1 for the word itself, less for a synonym."""

    word: str
    terms: dict[str, float] = field(default_factory=dict)
    specificity: float = 1.0
    off_topic: tuple[str, ...] = ()  # its own terms, when it names a topic not covered
    is_context: bool = False  # it says who asks, not what about
    compound: str = ""  # the whole word it is a part of: cateringbedrijf -> catering, bedrijf
    is_asked_for: bool = False  # "wie is de voorzitter": what the question asks to be named

    def add(self, term: str, weight: float) -> None:
        if weight > self.terms.get(term, 0.0):
            self.terms[term] = weight


@dataclass(frozen=True)
class AnalyzedQuestion:
    language: str
    concepts: tuple[Concept, ...]
    asks_for_number: bool = False  # "hoeveel", "wat kost", "how much"
    asks_for_partnership_fact: bool = False  # "wie heeft getekend", "wanneer is de volgende"


class Analyzer:
    """Built once from the guidance vocabulary and the glossary; then only reads."""

    def __init__(self, glossary: Glossary, corpus_texts: Iterable[str],
                 example_texts: Iterable[str] = ()):
        # The classic Snowball Dutch stemmer: the newer "dutch" one splits plurals from
        # their singular (voorbeelden -> voorbeel, voorbeeld -> voorbeeld).
        self._nl = snowballstemmer.stemmer("dutch_porter")
        self._en = snowballstemmer.stemmer("english")
        self.stopwords = frozenset(
            normalize(w) for w in [*get_stop_words("dutch"), *glossary.stopwords]
        )
        self._english_stopwords = frozenset(normalize(w) for w in get_stop_words("english"))
        quoted_words = {w for text in corpus_texts for token in words(text)
                        for w in pieces(token)}
        example_words = {w for text in example_texts for token in words(text)
                         for w in pieces(token)}
        corpus_words = quoted_words | example_words
        glossary_words = {w for group in glossary.synonyms for phrase in group
                          for w in words(phrase)}
        self._known = frozenset(
            w for w in corpus_words | glossary_words
            if len(w) >= MIN_PART and w not in self.stopwords
        )
        # What a typo is mended to: not the typos example questions hold on purpose
        # ("samenwerkng"), so the same typo in a question still becomes "samenwerking".
        self._spellings = frozenset(
            w for w in self._known
            if w in quoted_words or w in glossary_words or zipf(w, "nl") >= _REAL_WORD_ZIPF)
        self._spellings_in_order = sorted(self._spellings)  # rapidfuzz wants a sequence
        common_dutch_words()  # loaded now, not while someone waits for an answer
        self._phrase_keys = frozenset(
            key for phrase in _glossary_phrases(glossary)
            if len(key := self._phrase_key(phrase)) > 1
        )
        self.vocabulary = frozenset(t for w in corpus_words for t in self.terms_of_word(w))
        # Words the glossary names are whole words, never read as compounds (toegang is
        # not toe + gang).
        self._glossary_words = frozenset(normalize(w) for w in (
            *(w for g in glossary.synonyms for w in g), *glossary.not_covered,
            *glossary.context))
        self._expansions: dict[tuple[str, ...], dict[str, float]] = {}
        for group in glossary.synonyms:
            self._add_synonym_group(group)
        self._english_exact = {tuple(words(key)): targets
                               for key, targets in glossary.english.items()}
        self._english = {
            tuple(self._stem_en(w) for w in words(key)): targets
            for key, targets in glossary.english.items()
        }
        self._not_covered = self._terms_of_phrases(glossary.not_covered)
        self._context = self._terms_of_phrases(glossary.context)

    # --- documents -------------------------------------------------------------------
    def document_terms(self, text: str) -> list[str]:
        """Index terms of a guidance text: stems, the parts of compound words, and a term
        for each glossary phrase it contains ("er even bij" -> er_even_bij)."""
        terms: list[str] = []
        tokens = words(text)
        for token in tokens:
            for piece in pieces(token):
                if piece not in self.stopwords:
                    terms.extend(self.terms_of_word(piece))
        stems = [self.stem(t) for t in tokens]
        for start in range(len(stems)):
            for length in range(2, _MAX_PHRASE + 1):
                key = tuple(stems[start:start + length])
                if len(key) == length and key in self._phrase_keys:
                    terms.append("_".join(key))
        return terms

    def word_pairs(self, text: str) -> frozenset[tuple[str, str]]:
        """Terms of neighbouring content words ("presentatie over het convenant" ->
        (presentatie, convenant)): a question that names them together asks about this text."""
        content = [terms for token in words(text) for piece in pieces(token)[:1]
                   if piece not in self.stopwords and (terms := self.terms_of_word(piece))]
        return frozenset((a, b) for left, right in pairwise(content)
                         for a in left for b in right)

    def terms_of_word(self, word: str) -> tuple[str, ...]:
        return _terms_of_word(self, word)

    def stem(self, word: str) -> str:
        return stem_with(self._nl, word)

    def _stem_en(self, word: str) -> str:
        return stem_with(self._en, word)

    def stems(self, word: str) -> tuple[str, ...]:
        """The word's stem, and its dictionary form's stem where that differs
        (getekend -> tekenen -> teken), so inflected forms meet."""
        return stems_with(self._nl, word)

    def split_compound(self, word: str) -> tuple[str, ...]:
        if zipf(word, "nl") >= _LEXICALISED_ZIPF:
            return ()  # belangrijk, achtergrond: common words are not read as compounds
        return split_compound(self._known, word, 3)

    # --- questions -------------------------------------------------------------------
    def analyze_question(self, text: str) -> AnalyzedQuestion:
        tokens = words(text)
        language = detect_language(tokens)
        concepts: list[Concept] = []
        index = 0
        while index < len(tokens):
            consumed, phrase = self._english_phrase(tokens, index, language)
            if not phrase:
                consumed, phrase = self._dutch_phrase(tokens, index)
            if phrase:
                concepts.append(phrase)
                index += consumed
                continue
            concepts.extend(self._concepts_of_token(tokens[index], language))
            index += 1
        names = proper_names(text)
        plain = normalize(text)
        asked_for = _ASKED_FOR_THING.match(plain)
        asked_words = asked_for.group(1).split() if asked_for else []
        for concept in concepts:
            concept.is_asked_for = any(
                word in asked_words for word in (concept.word, concept.compound))
            own = self._own_terms(concept)
            if any(term in self._not_covered for term in own):
                concept.off_topic = own
            # "bedrijf" says who asks, "cateringbedrijf" what about.
            concept.is_context = (not concept.compound
                                  and any(term in self._context for term in own))
            unknown = not any(t in self.vocabulary for t in concept.terms)
            if unknown and (_YEAR.fullmatch(concept.word) or concept.word in names):
                # A year or a place the guidance never mentions is what the question is
                # about: "in 2025", "in Zwolle". (A count, "150 man", is only context.)
                concept.specificity = max(concept.specificity, NAMED_SPECIFICITY)
        return AnalyzedQuestion(
            language, tuple(c for c in concepts if c.terms),
            asks_for_number=bool(_ASKS_FOR_NUMBER.search(plain)),
            asks_for_partnership_fact=bool(_ASKS_FOR_PARTNERSHIP_FACT.search(plain)))

    def _english_phrase(self, tokens, start, language) -> tuple[int, Concept | None]:
        for length in range(min(_MAX_PHRASE, len(tokens) - start), 0, -1):
            phrase = tokens[start:start + length]
            # The word as written first: "objectives" and "objections" share a stem.
            targets = (self._english_exact.get(tuple(phrase))
                       or self._english.get(tuple(self._stem_en(w) for w in phrase)))
            if targets is None:
                continue
            if language != "en" and any(self._is_dutch_word(w) for w in phrase):
                continue  # a Dutch question uses an English word only where Dutch has none
            weight = specificity(phrase, "en")
            if length > 1:
                weight = max(PHRASE_SPECIFICITY, weight)
            concept = Concept(" ".join(phrase), specificity=weight)
            for target in targets:
                target_terms = self.document_terms(target)
                for term in target_terms:
                    concept.add(term, 1.0 / max(1, len(target_terms)) ** 0.5)
            for term in self.document_terms(" ".join(phrase)):
                concept.add(term, SYNONYM_WEIGHT)  # English example questions use the word
            return length, concept
        return 0, None

    def _dutch_phrase(self, tokens, start) -> tuple[int, Concept | None]:
        """A glossary phrase: word for word ("er even bij"), or its content words with
        other small words in between ("rond te sturen" for "rondsturen")."""
        if tokens[start] in self.stopwords and start + 1 < len(tokens):
            spans = [list(range(start, min(len(tokens), start + _MAX_PHRASE)))]
        else:
            spans = [list(range(start, min(len(tokens), start + _MAX_PHRASE))),
                     [i for i in range(start, min(len(tokens), start + 2 * _MAX_PHRASE))
                      if tokens[i] not in self.stopwords][:_MAX_PHRASE]]
        for span in spans:
            for length in range(len(span), 1, -1):
                chosen = [tokens[i] for i in span[:length]]
                expansions = self._expansions.get(tuple(self.stem(w) for w in chosen))
                if expansions is not None:
                    content = [w for w in chosen if w not in self.stopwords] or chosen
                    concept = Concept(" ".join(chosen), specificity=max(
                        PHRASE_SPECIFICITY, specificity(content, "nl")))
                    for term, weight in expansions.items():
                        concept.add(term, weight)
                    return span[length - 1] - start + 1, concept
        return 0, None

    def _is_dutch_word(self, word: str) -> bool:
        return word in self.stopwords or any(t in self.vocabulary for t in self.terms_of_word(word))

    def _concepts_of_token(self, token: str, language: str) -> list[Concept]:
        stop = self._english_stopwords if language == "en" else self.stopwords
        if token in stop or token in self.stopwords:
            return []
        whole, *parts = pieces(token)
        if parts and self._is_known(whole):
            parts = []  # the joined word is known: its parts would count it twice
        concepts = []
        for piece in parts or [whole]:
            if piece in stop or piece in self.stopwords or len(piece) < 2:
                continue
            piece = self._known_form(piece)
            split = () if self._is_known(piece) else self.split_compound(piece)
            if not split and piece not in self._spellings and language == "nl":
                piece = self._spelled_right(piece)
            for word in split or (piece,):
                if word not in stop:
                    concepts.append(self._concept(word, language, compound=piece if split else ""))
        return concepts

    def _is_known(self, word: str) -> bool:
        return any(s in self.vocabulary for s in self.stems(word)) or word in self._glossary_words

    def _known_form(self, word: str) -> str:
        """The word, or the form the guidance knows: without a diminutive or partitive
        ending (groepjes -> groep) or a separable particle (nalezen -> lezen)."""
        if self._is_known(word):
            return word
        for suffix in _INFLECTIONS:
            base = word.removesuffix(suffix)
            if base != word and len(base) >= 3 and self._is_known(base):
                return base
        for particle in _PARTICLES:
            verb = word.removeprefix(particle)
            if verb != word and len(verb) >= 4 and self._is_known(verb):
                return verb
        return word

    def _spelled_right(self, word: str) -> str:
        """The word meant by a typo ("samenwerkng", "uitendelijk"): a word of the guidance
        if one is near, else a common Dutch word; real words stay as they are."""
        if len(word) < MIN_TYPO_LENGTH or zipf(word, "nl") >= _REAL_WORD_ZIPF:
            return word
        allowed = 1 if len(word) < 9 else 2
        for dictionary in (self._spellings_in_order, common_dutch_words()):
            match = process.extractOne(word, dictionary, scorer=Levenshtein.distance,
                                       score_cutoff=allowed)
            if match:
                return match[0]
        return word

    def _concept(self, word: str, language: str, *, compound: str = "") -> Concept:
        concept = Concept(word, specificity=specificity([word], language), compound=compound)
        own = self.stem(word)
        for term in self.stems(word):
            concept.add(term, 1.0)
        if language == "en":
            concept.add(self._stem_en(word), 1.0)
        for term, weight in self._expansions.get((own,), {}).items():
            concept.add(term, weight)
        return concept

    def _terms_of_phrases(self, phrases: Iterable[str]) -> frozenset[str]:
        """What a glossary list's words and phrases look like in a question, Dutch or English."""
        return frozenset(term for phrase in phrases for term in
                         (self._phrase_terms(phrase) | {self._english_term(phrase)}))

    def _phrase_terms(self, phrase: str) -> set[str]:
        key = self._phrase_key(phrase)
        return {"_".join(key)} if len(key) > 1 else set(self.stems(words(phrase)[0]))

    def _own_terms(self, concept: Concept) -> tuple[str, ...]:
        """The terms of the concept's own word(s), without synonyms or translations."""
        return tuple(self._phrase_terms(concept.word) | {self._english_term(concept.word)})

    def _english_term(self, phrase: str) -> str:
        """A word or phrase as one English term: "pay off" is not "pay"."""
        return "_".join(self._stem_en(w) for w in words(phrase))

    def _phrase_key(self, phrase: str) -> tuple[str, ...]:
        return tuple(self.stem(w) for w in words(phrase))

    def _add_synonym_group(self, group: tuple[str, ...]) -> None:
        """Each member of a group finds itself fully and the other members a little less."""
        members = [(phrase, self._phrase_key(phrase), self._member_terms(phrase))
                   for phrase in group]
        members = [(phrase, key, terms) for phrase, key, terms in members if key and terms]
        for phrase, key, _ in members:
            expansions = self._expansions.setdefault(key, {})
            for _, other_key, terms in members:
                for term, weight in terms.items():
                    if other_key != key:
                        weight *= SYNONYM_WEIGHT
                    expansions[term] = max(expansions.get(term, 0.0), weight)
            # The phrase's content words also find it with other small words in between.
            content_words = [w for w in words(phrase) if w not in self.stopwords]
            content = tuple(self.stem(w) for w in content_words)
            if len(content) > 1 and content != key:
                self._expansions.setdefault(content, expansions)
            elif (len(content) == 1 and content != key
                  and zipf(content_words[0], "nl") < _RARE_PHRASE_WORD_ZIPF):
                # A rare word carries its phrase's meaning alone, in any word order:
                # "niet komt opdagen" is "niet opdagen"; a common one ("niet komen") does not.
                self._expansions.setdefault(content, expansions)

    def _member_terms(self, phrase: str) -> dict[str, float]:
        key = self._phrase_key(phrase)
        if len(key) == 1:
            return dict.fromkeys(self.stems(words(phrase)[0]), 1.0)
        terms = {"_".join(key): 1.0}
        content = [t for t in self.document_terms(phrase) if "_" not in t]
        for term in content:
            terms.setdefault(term, PHRASE_PART_WEIGHT / len(content) ** 0.5)
        return terms


@lru_cache(maxsize=65536)
def _terms_of_word(analyzer: Analyzer, word: str) -> tuple[str, ...]:
    parts = analyzer.split_compound(word)
    return analyzer.stems(word) + tuple(stem for part in parts for stem in analyzer.stems(part))


def _glossary_phrases(glossary: Glossary) -> list[str]:
    targets = [target for values in glossary.english.values() for target in values]
    return [phrase for group in glossary.synonyms for phrase in group] + targets


