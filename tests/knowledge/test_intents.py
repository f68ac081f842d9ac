"""knowledge/intents.py on its own phrasings, on a held-out set written apart from them, and on
the FAQ's question sets (a question about the FAQ's subjects must never be read as an intent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.bundle import Knowledge
from knowledge.faq_evaluation import evaluate_intents, load_cases
from knowledge.intents import SMALL_TALK, IntentIndex
from knowledge.text import fold

HERE = Path(__file__).parent
HELDOUT = HERE / "intents_heldout.yaml"
FAQ_SETS = (HERE / "faq_eval.yaml", HERE / "faq_heldout.yaml")


@pytest.fixture(scope="module")
def intents(knowledge: Knowledge) -> IntentIndex:
    assert knowledge.intents is not None
    return knowledge.intents


def test_every_phrasing_reads_as_its_own_intent(intents: IntentIndex) -> None:
    wrong = [
        (phrase, name, found.intent if found else None)
        for name, by_lang in intents.phrasings.items()
        for phrases in by_lang.values()
        for phrase in phrases
        if (found := intents.match(phrase)) is None or found.intent != name
    ]
    assert wrong == []


def test_the_held_out_set_was_written_apart(intents: IntentIndex) -> None:
    cases = load_cases(HELDOUT)
    mine = {
        fold(p) for by_lang in intents.phrasings.values() for ps in by_lang.values() for p in ps
    }
    copied = [c["q"] for c in cases["intents"] if fold(c["q"]) in mine]
    # Greetings and thanks are set formulas ("merci", "i ni sogoma"), the same whoever writes
    # them; every other phrasing was written apart.
    small_talk = {c["q"] for c in cases["intents"] if c["intent"] in SMALL_TALK}
    assert [q for q in copied if q not in small_talk] == []
    assert len(cases["intents"]) >= 100 and len(cases["none"]) >= 40


def test_held_out_phrasings(intents: IntentIndex) -> None:
    report = evaluate_intents(intents, load_cases(HELDOUT))
    figures = report.figures()
    assert figures["intent wrong"] <= 0.01, report.errors  # never the wrong action
    assert figures["non-intents rejected"] >= 0.95, report.errors
    assert figures["intent right"] >= 0.80, report.errors


def test_faq_questions_are_not_intents(intents: IntentIndex) -> None:
    """Only the questions about the bot itself (bot_* entries: how to stop, my data...) may be
    read as the action they ask about; and greetings, thanks, "ok" as small talk."""
    read = []
    for path in FAQ_SETS:
        cases = load_cases(path)
        for case in cases["in_scope"] + cases["out_of_scope"]:
            found = intents.match(case["q"])
            if found is None or str(case.get("id", "")).startswith("bot_"):
                continue
            if found.intent in ("greeting", "thanks", "ok", "laugh", "bye", "emoji") and (
                "id" not in case
            ):
                continue
            read.append((case["q"], case.get("id"), found.intent))
    assert read == []
