"""The third held-out sets (FAQ questions and intent phrasings), written on 2026-11-29 by a writer
who saw only the entries' ids, titles and answers, the intent names and the sources: never the
question variants, the intent phrasings or the other sets. Sealed until session 6, which opened
them to study their misses: they are development sets since (the sealed ones are in
test_sealed_sets.py). Measured by `python -m benchmarks.faq` (docs/benchmarks.md), not held to a
threshold here; these tests keep them honest: real entries and intents, nothing copied either
way, so that their figures still say something about phrasings the engine has not seen."""

from __future__ import annotations

from pathlib import Path

from knowledge.faq import FaqIndex
from knowledge.faq_evaluation import load_cases
from knowledge.intents import INTENTS_FILE, IntentIndex
from knowledge.normalise import normalise
from knowledge.text import fold

HERE = Path(__file__).parent
FAQ_SET = HERE / "faq_heldout3.yaml"
INTENT_SET = HERE / "intents_heldout3.yaml"
OTHER_FAQ_SETS = (HERE / "faq_eval.yaml", HERE / "faq_heldout.yaml")
# Set formulas ("merci", "ok", "bonjour") are the same whoever writes them.
SMALL_TALK = {"greeting", "thanks", "ok", "laugh", "bye", "emoji"}


def test_the_faq_set_points_at_real_entries_and_copies_no_variant() -> None:
    index = FaqIndex.load(semantic=False)
    cases = load_cases(FAQ_SET)
    in_scope, out_of_scope = cases["in_scope"], cases["out_of_scope"]
    assert len(in_scope) >= 300 and len(out_of_scope) >= 70
    assert not [c["id"] for c in in_scope if c["id"] not in index.entries]
    variants = {
        normalise(q) for e in index.entries.values() for qs in e.questions.values() for q in qs
    }
    assert not [c["q"] for c in in_scope + out_of_scope if normalise(c["q"]) in variants]


def test_the_faq_set_shares_no_question_with_the_other_sets() -> None:
    seen = {
        normalise(c["q"])
        for path in OTHER_FAQ_SETS
        for kind in ("in_scope", "out_of_scope")
        for c in load_cases(path)[kind]
    }
    cases = load_cases(FAQ_SET)
    assert not [
        c["q"] for c in cases["in_scope"] + cases["out_of_scope"] if normalise(c["q"]) in seen
    ]


def test_the_intent_set_names_real_intents_and_copies_no_phrasing() -> None:
    intents = IntentIndex.load(INTENTS_FILE)
    cases = load_cases(INTENT_SET)
    assert len(cases["intents"]) >= 120 and len(cases["none"]) >= 50
    names = set(intents.phrasings) | {"emoji"}
    assert not [c["intent"] for c in cases["intents"] if c["intent"] not in names]
    mine = {
        fold(p) for by_lang in intents.phrasings.values() for ps in by_lang.values() for p in ps
    }
    copied = [
        c["q"] for c in cases["intents"] if fold(c["q"]) in mine and c["intent"] not in SMALL_TALK
    ]
    assert copied == []
