"""Word-level Dutch (and English) text handling: normalising, tokens, stems, compounds,
word frequencies. Pure functions; the Analyzer combines them with the glossary."""

import re
import threading
import unicodedata
from functools import lru_cache

import simplemma
from wordfreq import top_n_list, zipf_frequency

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'&@.][a-z0-9]+)*")
_LINKERS = ("", "s", "e", "en")  # Dutch compounds join parts with these: werking-s-verband
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w-]+)")
MIN_PART = 3
MIN_TYPO_LENGTH = 5
UNKNOWN_WORD_SPECIFICITY = 1.5


def normalize(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2010", "-")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _TOKEN.findall(normalize(text))


# A Snowball stemmer keeps the word it works on in itself, and questions are answered in
# worker threads: two stemming at once read each other's word (an IndexError under load).
_STEMMING = threading.Lock()


# Snowball's Python stemmers are slow next to a dictionary: every word is stemmed once.
@lru_cache(maxsize=65536)
def stem_with(stemmer, word: str) -> str:
    with _STEMMING:
        return stemmer.stemWord(word)


@lru_cache(maxsize=65536)
def stems_with(stemmer, word: str) -> tuple[str, ...]:
    own = stem_with(stemmer, word)
    of_lemma = stem_with(stemmer, simplemma.lemmatize(word, lang="nl"))
    return (own,) if own == of_lemma else (own, of_lemma)


def pieces(token: str) -> list[str]:
    """A joined word counts whole and by its parts: kick-off -> kickoff, kick, off."""
    if "@" in token or "." in token:  # e-mail and web addresses
        return [token, *(p for p in re.split(r"[@.]", token) if p)]
    token = token.removesuffix("'s")  # Dutch plural: collega's, regio's
    parts = [p for p in re.split(r"[-'&]", token) if p]
    return parts if len(parts) == 1 else ["".join(parts), *parts]


@lru_cache(maxsize=65536)
def split_compound(known: frozenset[str], word: str, max_parts: int) -> tuple[str, ...]:
    """The shortest split of a compound into known words (longest head first), or ()."""
    if max_parts < 2 or len(word) < 2 * MIN_PART:
        return ()
    best: tuple[str, ...] = ()
    for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head = word[:cut]
        if head not in known:
            continue
        for linker in _LINKERS:
            rest = word[cut:]
            if not rest.startswith(linker):
                continue
            tail = rest[len(linker):]
            if tail in known and len(tail) >= MIN_PART:
                return (head, tail)
            if not best:
                deeper = split_compound(known, tail, max_parts - 1)
                if deeper:
                    best = (head, *deeper)
    return best


@lru_cache(maxsize=1)
def common_dutch_words() -> list[str]:
    return [w for w in top_n_list("nl", 30_000) if len(w) >= MIN_TYPO_LENGTH - 1]


@lru_cache(maxsize=65536)
def zipf(word: str, language: str) -> float:
    return zipf_frequency(word, language)


def load_word_frequencies() -> None:
    """Loads wordfreq's lists of both languages now: each loads on its first use, which took
    0.24 s of CPU (holding the GIL), and the first English question's language check then
    stalled every ack in flight for 0.6 s (bench/outbox_bench.py, 2026-11-29)."""
    for language in ("nl", "en"):
        zipf_frequency("de", language)


def specificity(phrase: list[str], language: str) -> float:
    """How telling a word is: rare words in everyday language weigh more than common ones."""
    zipfs = [zipf(w, language) for w in phrase]
    if not zipfs or min(zipfs) == 0.0:
        return UNKNOWN_WORD_SPECIFICITY  # no dictionary knows it: a typo or a one-off name
    return min(6.0, max(0.3, 6.5 - min(zipfs)))


def proper_names(text: str) -> set[str]:
    """Capitalised words inside a sentence: names of places, organisations, laws."""
    return {normalize(match.group(1)) for match in _CAPITALISED.finditer(text.strip())}


def detect_language(tokens: list[str]) -> str:
    """'en' or 'nl', by which language makes the words more common (Dutch on a tie)."""
    balance = sum(zipf(t, "en") - zipf(t, "nl") for t in tokens[:40])
    return "en" if balance > 1.0 else "nl"
