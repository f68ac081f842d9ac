"""Session 6 (faqcontent6): question variants that say what only one of two close entries
answers, on questions written for these tests (not from the question sets). Each failed before
the variants: registering as a voter took the rights of Malians abroad (being electors), a
ministry person through the bot took the ministry's missions (or the bot's language), and the
SMS spelling "bloke" was not read as "bloqué"."""

from __future__ import annotations

import pytest

from knowledge.faq import FaqIndex
from knowledge.faq_entries import load_faq, load_off_topic


@pytest.fixture(scope="module")
def bot() -> FaqIndex:
    """The engine the bot runs: words and meaning, with the off-topic subjects."""
    topics, entries = load_faq()
    index = FaqIndex(topics, entries, semantic=True, off_topic=load_off_topic())
    assert index.wait_until_ready(timeout=120)
    return index


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # Getting on the lists is what the elections pointer says the sources do not give; the
        # rights entry says only that Malians abroad are electors.
        ("I live in Germany and would like to register as a voter", "pointer_elections"),
        ("je voudrais m'inscrire comme electeur, j'habite en Belgique", "pointer_elections"),
        # Someone of the ministry *here* is the advisor, not what the ministry does.
        ("can someone at the ministry answer me on this bot", "bot_advisor"),
    ],
)
def test_the_sibling_that_answers_it_is_answered(bot: FaqIndex, question: str, entry: str) -> None:
    match = bot.search(question)
    assert match.outcome == "answer"
    assert match.entry is not None and match.entry.id == entry


def test_a_relative_stuck_in_sms_spelling_is_the_urgent_pointer() -> None:
    """ "bloke" is "bloqué" (knowledge/sms_spellings.yaml): words alone answer it."""
    match = FaqIndex.load(semantic=False).search("mon cousin est bloke a tamanrasset")
    assert match.outcome == "answer"
    assert match.entry is not None and match.entry.id == "pointer_relative_in_danger"
