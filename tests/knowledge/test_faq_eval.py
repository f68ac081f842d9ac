"""The matcher against people's questions: tests/knowledge/faq_eval.yaml on the shipped FAQ.

Both ways the bot can be searching: words only (the first seconds after start, while sentence
embeddings are built) and words plus meaning. The figures are in docs/benchmarks.md, "FAQ".
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.faq import FaqIndex
from knowledge.faq_entries import FAQ_DIR, faq_files

EVAL_FILE = Path(__file__).parent / "faq_eval.yaml"

pytestmark = pytest.mark.skipif(
    not (FAQ_DIR.is_dir() and faq_files(FAQ_DIR)), reason="no FAQ content in knowledge/faq yet"
)


@pytest.fixture(scope="module")
def cases() -> dict:
    return yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["words", "words+meaning"])
def index(request: pytest.FixtureRequest) -> FaqIndex:
    semantic = request.param == "words+meaning"
    index = FaqIndex.load(semantic=semantic)
    if semantic:
        assert index.wait_until_ready(timeout=120), "sentence embeddings did not load"
    return index


def test_the_evaluation_set_is_big_balanced_and_points_at_real_entries(cases: dict) -> None:
    index = FaqIndex.load(semantic=False)
    in_scope, out_of_scope = cases["in_scope"], cases["out_of_scope"]
    assert len(in_scope) >= 220 and len(out_of_scope) >= 50
    french = sum(c["lang"] == "fr" for c in in_scope) / len(in_scope)
    assert 0.4 <= french <= 0.6
    assert not [c["id"] for c in in_scope if c["id"] not in index.entries]
    # Written independently: none is a copy of a question variant of the FAQ.
    variants = {q.casefold() for e in index.entries.values() for qs in e.questions.values()
                for q in qs}
    assert not [c["q"] for c in in_scope if c["q"].casefold() in variants]


def test_top1_accuracy(index: FaqIndex, cases: dict) -> None:
    """The best candidate (the answer, or the first "did you mean") is the right entry."""
    right = 0
    for case in cases["in_scope"]:
        match = index.search(case["q"])
        best = match.entry or (match.suggestions[0][0] if match.suggestions else None)
        right += best is not None and best.id == case["id"]
    assert right / len(cases["in_scope"]) >= 0.90


def test_confident_answers_are_mostly_given_and_almost_never_wrong(
    index: FaqIndex, cases: dict
) -> None:
    outcomes = [(index.search(c["q"]), c["id"]) for c in cases["in_scope"]]
    answered = [(m.entry.id, expected) for m, expected in outcomes if m.outcome == "answer"]
    wrong = sum(got != expected for got, expected in answered)
    assert len(answered) / len(outcomes) >= 0.75
    assert wrong / len(outcomes) <= 0.02


def test_out_of_scope_rejection(index: FaqIndex, cases: dict) -> None:
    rejected = sum(index.search(c["q"]).outcome != "answer" for c in cases["out_of_scope"])
    assert rejected / len(cases["out_of_scope"]) >= 0.90


def test_answers_come_in_the_askers_language(index: FaqIndex, cases: dict) -> None:
    """Even when the person's known language (the hint) is the other one."""
    every = cases["in_scope"] + cases["out_of_scope"]
    right = sum(
        index.search(c["q"], lang_hint="en" if c["lang"] == "fr" else "fr").lang == c["lang"]
        for c in every
    )
    assert right / len(every) >= 0.9


@pytest.mark.parametrize("question", ["malien de l'extérieur", "diaspora", "forum", "Mali"])
def test_questions_made_of_words_every_entry_shares_get_choices(question: str) -> None:
    match = FaqIndex.load().search(question)
    assert match.outcome != "answer"
