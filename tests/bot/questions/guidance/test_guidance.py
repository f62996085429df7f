"""Domain tests of the guidance: text analysis, retrieval and composed answers."""

import shutil
from pathlib import Path

import pytest

from bench.qa_score import MAX_CHARS as PROMISED_MAX_CHARS  # what an answer may be, at most
from bot.questions.guidance.answers import answer_question, answer_topic
from bot.questions.guidance.content import load_library
from bot.questions.guidance.retrieval import GuidanceIndex
from bot.questions.guidance.words import detect_language, words
from tests.conftest import CONTENT


@pytest.fixture
def index(guidance_index) -> GuidanceIndex:
    return guidance_index  # built once per session (tests/conftest.py)


def test_compound_words_are_split_into_known_words(index):
    assert index.analyzer.split_compound("convenantbericht") == ("convenant", "bericht")
    assert index.analyzer.split_compound("teammanagers") == ("team", "managers")
    assert index.analyzer.split_compound("zonnebloem") == ()


@pytest.mark.parametrize(("question", "language"), [
    ("Hoe deel ik het bericht met mijn team?", "nl"),
    ("Who should we invite to the kick-off meeting?", "en"),
    ("Wat is intervisie?", "nl"),
    ("What is the role of the board?", "en"),
])
def test_language_is_detected_from_the_words(question, language):
    assert detect_language(words(question)) == language


def test_answer_quotes_the_guidance_and_names_its_source(index):
    answer = answer_question(index, "Op welke interne kanalen kan ik het convenantbericht delen?")
    assert answer.confident
    assert answer.quote.startswith("Iedere organisatie kan het bericht inclusief foto delen op:")
    [source] = answer.sources
    assert source.section.startswith("Intern delen")
    assert source.document and source.section
    section = index.library.section(source.section_id)
    assert all(part in " ".join(p.text for p in section.passages)
               for part in answer.quote.split("\n\n"))  # quoted, never rewritten


def test_answers_stay_chat_sized(index):
    for section in index.library.sections:
        answer = answer_question(index, section.heading)
        assert len(answer.quote) <= PROMISED_MAX_CHARS


def test_list_item_answer_comes_with_the_sentence_that_introduces_the_list(index):
    answer = answer_question(index, "Kan ik het bericht ook op Yammer zetten?")
    assert "Yammer" in answer.quote
    assert answer.quote.split("\n\n")[0].endswith(":")


def test_english_question_is_answered_from_the_dutch_guidance(index):
    answer = answer_question(index, "Who are the target group for the kick-off meetings?")
    assert answer.confident and answer.language == "en"
    assert "doelgroep" in answer.quote.lower()


@pytest.mark.parametrize("question", [
    "Hoeveel vakantiedagen heb ik dit jaar nog?",
    "Wat is de hoofdstad van Peru?",
    "How do I reset my laptop password?",
    "Welke btw-regels gelden voor de kantine?",
])
def test_questions_outside_the_guidance_are_not_answered(index, question):
    answer = answer_question(index, question)
    assert not answer.confident
    assert answer.quote == "" and answer.sources == ()


def test_not_covered_offers_at_most_three_distinct_nearby_topics(index):
    answer = answer_question(index, "Hoeveel kost de lunch bij de bijeenkomst?")
    assert not answer.confident
    ids = [s.section_id for s in answer.suggestions]
    assert 1 <= len(ids) <= 3 and len(set(ids)) == len(ids)


def test_topic_shows_a_section_and_unknown_topic_is_none(index):
    section = index.library.sections[0]
    topic = answer_topic(index, section.id)
    assert topic.quote.startswith(section.passages[0].text)
    assert answer_topic(index, "no-such-document#nothing") is None


def test_glossary_synonym_makes_an_unknown_word_findable_without_code(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    question = "Mag ik het convenantbericht op Mastodon toeten?"
    before = answer_question(GuidanceIndex(load_library(content)), question)
    glossary = content / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace(
        "synonyms:\n", "synonyms:\n  - [linkedin, mastodon]\n  - [delen, toeten]\n", 1),
        encoding="utf-8")
    after = answer_question(GuidanceIndex(load_library(content)), question)
    assert not before.confident
    assert after.confident and "linkedin" in after.quote.lower()


def test_index_reads_only_the_content_it_is_given(tmp_path):
    content = tmp_path / "content"
    (content / "guidance").mkdir(parents=True)
    shutil.copy(CONTENT / "covenant.yaml", content / "covenant.yaml")
    (content / "guidance" / "x.md").write_text(
        "---\ntitle: T\nsource: S\nlanguage: nl\n---\n\n## Fietsenstalling\n"
        "De fietsenstalling is open van zeven tot zeven.\n\n## Kantine\n"
        "De kantine serveert soep en broodjes.\n\n## Parkeren\n"
        "Parkeren kan in de garage onder het stadhuis.\n", encoding="utf-8")
    index = GuidanceIndex(load_library(Path(content)))
    answer = answer_question(index, "Wanneer is de fietsenstalling open?")
    assert answer.confident and "zeven tot zeven" in answer.quote


@pytest.mark.parametrize("question", [
    "Hoeveel kost een fotograaf voor de ondertekening?",  # asks for a number it lacks
    "Welke partijen hebben het convenant in Zwolle ondertekend?",  # a place it never names
    "Wanneer start de volgende reeks intervisies in 2031?",  # a year it never names
])
def test_near_misses_that_share_words_with_the_guidance_are_not_answered(index, question):
    assert not answer_question(index, question).confident


def test_a_topic_the_guidance_does_not_cover_is_refused_until_a_passage_names_it(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    question = "Wat is het budget voor de lunch bij de bijeenkomst?"
    assert not answer_question(GuidanceIndex(load_library(content)), question).confident
    practical = next(content.glob("guidance/01-*.md"))
    text = practical.read_text(encoding="utf-8")
    practical.write_text(text.replace(
        "Denk bij het organiseren ook aan de praktische zaken",
        "Reserveer budget voor koffie en lunch.\n\nDenk bij het organiseren ook aan de "
        "praktische zaken", 1), encoding="utf-8")
    answer = answer_question(GuidanceIndex(load_library(content)), question)
    assert answer.confident and "budget" in answer.quote


def test_who_asks_does_not_make_a_question_uncovered(index):
    # The glossary's context words (organisations, roles) set the scene; the
    # question is about the photo all the same.
    plain = answer_question(index, "Tips voor de foto van de ondertekening?")
    with_setting = answer_question(
        index, "We tekenen volgende week met het waterschap en de provincie. Tips voor de foto?")
    assert plain.confident and with_setting.confident
    assert with_setting.sources[0].section == plain.sources[0].section


def test_words_side_by_side_find_the_passage_that_has_them_together(index):
    answer = answer_question(
        index, "Wat moet er in de presentatie over het convenant zelf aan bod komen?")
    assert answer.confident
    assert "waarom een convenant" in answer.quote


@pytest.mark.parametrize("question", [
    "Welke bestuurders van onze partners hebben al getekend?",
    "Who signed the covenant on behalf of the water board?",
    "Wanneer is de volgende bijeenkomst over het convenant?",
    "Op welke datum wordt ons convenant ondertekend?",
    "Wat vinden de wethouders eigenlijk van ons convenant?",
])
def test_facts_of_this_partnership_are_not_answered_from_the_guidance(index, question):
    answer = answer_question(index, question)
    assert not answer.confident
    assert answer.suggestions  # the nearest topics are still offered


@pytest.mark.parametrize("question", [
    "Wie moet ik taggen in de LinkedIn-post over de ondertekening?",
    "Wanneer halen we de bestuurders erbij?",
])
def test_who_and_when_questions_about_how_to_work_are_still_answered(index, question):
    assert answer_question(index, question).confident


def test_a_topic_the_guidance_does_not_cover_is_not_read_as_a_compound(index):
    # "toegang" (access) is a not-covered topic, not "toe" + "gang".
    answer = answer_question(index, "Hoe krijg ik toegang tot de Teams-omgeving van de partners?")
    assert not answer.confident


def test_a_rare_word_carries_the_meaning_of_its_glossary_phrase_in_any_word_order(index):
    # The glossary has "niet opdagen"; people type "niet komt opdagen".
    answer = answer_question(
        index, "Wat doen we als de helft van de collega's niet komt opdagen bij de bijeenkomst?")
    assert answer.confident
    assert answer.sources[0].section.startswith("Verplicht of niet?")


def test_a_setting_word_inside_a_compound_is_what_the_question_is_about(index):
    # "bedrijf" says who asks; "cateringbedrijf" is the subject, which the guidance lacks.
    assert not answer_question(
        index, "Welk cateringbedrijf gebruiken we meestal voor bijeenkomsten?").confident


def test_chat_filler_and_informal_spelling_do_not_hide_the_question(index):
    answer = answer_question(index, "pff, welke afspraken maak je op welk nivo")
    assert answer.confident
    assert "bestuurlijk" in answer.sources[0].section


def test_a_how_many_question_is_answered_by_the_passage_that_holds_the_number(index):
    answer = answer_question(
        index, "How many labour market regions take part in Perspectief op Werk?")
    assert answer.confident
    assert "35" in answer.quote


@pytest.mark.parametrize("question", [
    "Wie is de voorzitter van de Programmaraad?",
    "Wie is bij ons eigenlijk de voorzitter van de planafstemmingstafel?",
    "What's the dress code for the signing?",
])
def test_a_section_that_never_names_what_is_asked_for_does_not_answer(index, question):
    assert not answer_question(index, question).confident


def test_an_english_phrase_is_not_taken_for_a_topic_the_guidance_does_not_cover(index):
    # "pay" (money) is not covered; "pay attention" is a phrase of its own.
    def off_topic(question):
        return [c.word for c in index.analyzer.analyze_question(question).concepts
                if c.off_topic]

    assert off_topic("What should I pay attention to at the kick-off?") == []
    assert off_topic("Who will pay for the lunch at the kick-off?") == ["pay"]


def test_english_words_that_share_a_stem_keep_their_own_translation(index):
    # "objectives" and "objections" both stem to "object".
    [objectives] = index.analyzer.analyze_question("What are the objectives?").concepts
    [objections] = index.analyzer.analyze_question("What about objections?").concepts
    assert "doel" in objectives.terms and "doel" not in objections.terms


def test_a_typo_is_mended_even_when_an_example_question_holds_the_same_typo():
    from bot.questions.guidance.analysis import Analyzer
    from bot.questions.guidance.content import Glossary

    analyzer = Analyzer(Glossary(), ["De samenwerking tussen partijen"],
                        ["samenwerkng, hoe pak je dat aan?"])
    [concept] = analyzer.analyze_question("samenwerkng").concepts
    assert concept.word == "samenwerking"


@pytest.mark.parametrize("question",
                         ["hoeveel?", "How many?", "wie is de?", "Wanneer is de volgende"])
def test_a_question_of_only_question_words_is_refused_not_an_error(index, question):
    assert not answer_question(index, question).confident


def test_questions_answered_in_many_threads_at_once_get_the_answers_one_thread_gives(
        index):
    """The desk answers in worker threads (asyncio.to_thread) and the Analyzer's Snowball
    stemmers keep the word being stemmed in the stemmer object: two threads stemming at once
    read each other's word (an IndexError, or a wrong stem)."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from bot.questions.guidance import words as words_module

    # Unseen words each time, as every new question brings some: the cache does not hide it.
    questions = [f"Hoe {w}{n} wij de {v}{n} van het {s}{n}?"
                 for n in range(60) for w, v, s in
                 [("organiseren", "bijeenkomsten", "samenwerkingsverband"),
                  ("evalueren", "afspraken", "netwerkpartners"),
                  ("communicating", "announcements", "stakeholders")]]
    words_module.stem_with.cache_clear()
    words_module.stems_with.cache_clear()
    expected = [answer_question(index, question) for question in questions]
    words_module.stem_with.cache_clear()
    words_module.stems_with.cache_clear()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can, to meet in a stemmer
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda q: answer_question(index, q), questions))
    finally:
        sys.setswitchinterval(interval)
    assert answers == expected
