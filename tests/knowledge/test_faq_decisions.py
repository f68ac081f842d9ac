"""Issue 13, bullet 7: how sure the engine the bot runs (words and meaning) is, on questions
written for these tests (not from the question sets): where both signals rank the same entry
first it answers, and a question about a neighbouring subject the FAQ does not cover
(knowledge/off_topic.yaml) is not answered with the entry it happens to share words with."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.faq import FaqIndex
from knowledge.faq_entries import load_faq, load_off_topic
from knowledge.faq_evaluation import load_cases
from knowledge.normalise import normalise

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def engines() -> dict[str, FaqIndex]:
    """The bot's engine, and the same without the off-topic subjects (the model loads once)."""
    topics, entries = load_faq()
    bot = FaqIndex(topics, entries, semantic=True, off_topic=load_off_topic())
    bare = FaqIndex(topics, entries, semantic=True)
    assert bot.wait_until_ready(timeout=120) and bare.wait_until_ready(timeout=120)
    return {"bot": bot, "without off-topic": bare}


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        (
            "je rentre au mali apres 10 ans en italie, qui aide a se reinstaller",
            "institutions_return",
        ),
        (
            "I came back home from Italy after 10 years, is there help to resettle",
            "institutions_return",
        ),
    ],
)
def test_words_and_meaning_agreeing_on_the_first_entry_answer_it(
    engines: dict[str, FaqIndex], question: str, entry: str
) -> None:
    match = engines["bot"].search(question)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", entry)
    assert match.score < 48  # below the plain "clear lead" rule: agreement made it an answer
    words_only = FaqIndex.load().search(question)
    assert words_only.outcome == "unsure" and words_only.suggestions[0][0].id == entry


@pytest.mark.parametrize(
    ("question", "entry_it_shares_words_with"),
    [
        ("how do i learn english quickly", "bot_language"),
        ("je veux apprendre l anglais vite", "bot_language"),
        ("mon telephone est casse comment le reparer", "pointer_embassy_contacts"),
    ],
)
def test_a_neighbouring_subject_is_not_answered_with_an_entry(
    engines: dict[str, FaqIndex], question: str, entry_it_shares_words_with: str
) -> None:
    without = engines["without off-topic"].search(question)
    assert without.outcome == "answer" and without.entry.id == entry_it_shares_words_with
    match = engines["bot"].search(question)
    assert match.outcome != "answer"
    assert match.entry is None


def test_the_off_topic_subjects_are_written_apart_from_the_question_sets() -> None:
    subjects = {normalise(text) for text in load_off_topic()}
    assert len(subjects) >= 20
    cases = [
        case["q"]
        for name in ("faq_eval.yaml", "faq_heldout.yaml", "faq_dev4.yaml")
        for kind in ("in_scope", "out_of_scope")
        for case in load_cases(HERE / name)[kind]
    ]
    assert not [q for q in cases if normalise(q) in subjects]


def test_another_faq_has_no_off_topic_subjects(tmp_path: Path) -> None:
    """They are the shipped FAQ's neighbours; a knowledge base of its own has its own."""
    assert FaqIndex.load(tmp_path, semantic=True)._off_topic is False


@pytest.mark.parametrize(
    ("question", "about_mali", "malis_own_entry"),
    [
        (
            "combien d habitants compte la cote d ivoire",
            "combien d habitants compte le mali",
            "figures_mali",
        ),
        ("what is the population of ghana", "what is the population of mali", "figures_mali"),
        (
            "le code des investissements de la guinee",
            "le code des investissements du mali",
            "investment_code",
        ),
        (
            "est ce que le senegal accepte la double nationalite",
            "est ce que le mali accepte la double nationalite",
            "nationality_dual",
        ),
    ],
)
def test_another_country_in_malis_place_is_not_answered_with_malis_entry(
    engines: dict[str, FaqIndex], question: str, about_mali: str, malis_own_entry: str
) -> None:
    """Session 5: Mali's figures, laws and nationality code are not another country's; the
    person gets "did you mean" (Mali's entry may be what they wanted), never a confident wrong
    answer. Asked about Mali, the same words get Mali's entry."""
    match = engines["bot"].search(question)
    assert match.outcome == "unsure"
    assert malis_own_entry in [entry.id for entry, _ in match.suggestions]
    malian = engines["bot"].search(about_mali)
    assert (malian.outcome, malian.entry and malian.entry.id) == ("answer", malis_own_entry)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("j habite en espagne, comment acheter un terrain pour construire", "investment_land"),
        ("i live in germany, what taxes would my company pay", "investment_tax"),
        ("comment obtenir un visa pour le canada", "pointer_visas_residence"),
    ],
)
def test_where_the_asker_lives_is_context_not_the_subject(
    engines: dict[str, FaqIndex], question: str, entry: str
) -> None:
    match = engines["bot"].search(question)
    assert (match.outcome, match.entry and match.entry.id) == ("answer", entry)


@pytest.mark.parametrize(
    "question", ["population malienne en europe", "the population of malians in europe"]
)
def test_a_place_a_sibling_entry_speaks_of_keeps_both_on_offer(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Mali's figures share "population" with the question, but Europe is what the Malians in
    Europe entry answers about: the person chooses between the two, nobody is told Mali's
    population as if it were the answer."""
    match = engines["bot"].search(question)
    assert match.outcome == "unsure"
    offered = [entry.id for entry, _ in match.suggestions]
    assert {"figures_mali", "figures_europe_france"} <= set(offered)


@pytest.mark.parametrize(
    ("question", "set_aside", "about_it"),
    [
        ("a part le fidima, quels forums", "forum_fidima", "c est quoi le fidima"),
        ("other than fidima what forums were there", "forum_fidima", "what was fidima"),
    ],
)
def test_what_a_question_sets_aside_is_not_its_answer(
    engines: dict[str, FaqIndex], question: str, set_aside: str, about_it: str
) -> None:
    """ "Besides X", "a part X": the person knows about X and asks for the rest; answering X with
    confidence would be the one wrong answer. They get the choices instead."""
    match = engines["bot"].search(question)
    assert match.outcome == "unsure"
    assert (match.entry is None) and len(match.suggestions) > 1
    plain = engines["bot"].search(about_it)
    assert (plain.outcome, plain.entry and plain.entry.id) == ("answer", set_aside)


@pytest.mark.parametrize(
    "question",
    [
        "mon neveu veut partir par le desert, un homme lui demande de l argent",
        "my nephew wants to cross the desert, a man asks him for money",
    ],
)
def test_a_smuggler_asking_money_is_never_told_the_wrong_answer_with_confidence(
    engines: dict[str, FaqIndex], question: str
) -> None:
    """Issue 13, bullet 7 (faqconf5): answering more "did you mean" outright was tried (a lower
    floor for a clear lead where the FAQ knows every word); this question, written to check it,
    got a confident answer about a relative in danger where it is about a smuggler. Low-scored
    leads stay a choice: the only confident answer allowed is the smugglers one."""
    match = engines["bot"].search(question)
    assert match.outcome != "answer" or match.entry.id == "migration_smugglers"


def test_a_smuggler_offering_the_crossing_is_the_first_thing_offered(
    engines: dict[str, FaqIndex],
) -> None:
    """The person reads the smugglers entry first, answered or offered (one reply "1" away)."""
    match = engines["bot"].search("someone offers to take my brother to europe by boat for money")
    first = match.entry if match.entry is not None else match.suggestions[0][0]
    assert first.id == "migration_smugglers"


def test_the_decision_study_reads_the_development_sets_only() -> None:
    """benchmarks/faq_decision.py cross-validates over the sets the engine was tuned on; the
    sets written apart are never opened by it (set 3, opened in session 6, is not added)."""
    from benchmarks.faq_decision import DEVELOPMENT

    assert set(DEVELOPMENT) == {"eval", "held-out", "dev 4"}
    assert not [p for p in DEVELOPMENT.values() if "heldout3" in p.name or "heldout4" in p.name]
