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
        for name in ("faq_eval.yaml", "faq_heldout.yaml")
        for kind in ("in_scope", "out_of_scope")
        for case in load_cases(HERE / name)[kind]
    ]
    assert not [q for q in cases if normalise(q) in subjects]


def test_another_faq_has_no_off_topic_subjects(tmp_path: Path) -> None:
    """They are the shipped FAQ's neighbours; a knowledge base of its own has its own."""
    assert FaqIndex.load(tmp_path, semantic=True)._off_topic is False
