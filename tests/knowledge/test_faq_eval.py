"""The matcher against people's questions, on two sets written independently of each other.

tests/knowledge/faq_eval.yaml was written with the engine; tests/knowledge/faq_heldout.yaml
later, before reading the first set or the FAQ's question variants, to check that tuning on one
generalises to the other. Both ways the bot can be searching are checked: words only (the first
seconds after start, while sentence embeddings are built, or FAQ_SEMANTIC=false) and words plus
meaning (the bot's default). The model loads once per test process (semantic._shared_model).
The figures are in docs/benchmarks.md, "FAQ".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.faq import FaqIndex
from knowledge.faq_entries import FAQ_DIR, faq_files
from knowledge.faq_evaluation import evaluate, load_cases
from knowledge.normalise import normalise

HERE = Path(__file__).parent
SETS = {"eval": HERE / "faq_eval.yaml", "heldout": HERE / "faq_heldout.yaml"}
MIN_SIZES = {"eval": (220, 50), "heldout": (150, 60)}

pytestmark = pytest.mark.skipif(
    not (FAQ_DIR.is_dir() and faq_files(FAQ_DIR)), reason="no FAQ content in knowledge/faq yet"
)


@pytest.fixture(scope="module", params=["words", "words+meaning"])
def index(request: pytest.FixtureRequest) -> FaqIndex:
    semantic = request.param == "words+meaning"
    index = FaqIndex.load(semantic=semantic)
    if semantic:
        assert index.wait_until_ready(timeout=120), "sentence embeddings did not load"
    return index


@pytest.fixture(scope="module")
def reports(index: FaqIndex) -> dict:
    return {name: evaluate(index, load_cases(path)) for name, path in SETS.items()}


@pytest.mark.parametrize("name", SETS)
def test_the_set_is_big_balanced_and_points_at_real_entries(name: str) -> None:
    index = FaqIndex.load(semantic=False)
    cases = load_cases(SETS[name])
    in_scope, out_of_scope = cases["in_scope"], cases["out_of_scope"]
    assert len(in_scope) >= MIN_SIZES[name][0] and len(out_of_scope) >= MIN_SIZES[name][1]
    french = sum(c["lang"] == "fr" for c in in_scope) / len(in_scope)
    assert 0.4 <= french <= 0.6
    assert not [c["id"] for c in in_scope if c["id"] not in index.entries]
    # Written independently: none is a FAQ question variant (the held-out set: not even once
    # normalised; the first set has a few short ones that normalise like a variant).
    key = normalise if name == "heldout" else str.casefold
    variants = {key(q) for e in index.entries.values() for qs in e.questions.values() for q in qs}
    assert not [c["q"] for c in in_scope + out_of_scope if key(c["q"]) in variants]


def test_the_two_sets_share_no_question() -> None:
    eval_set, heldout = (load_cases(path) for path in SETS.values())
    seen = {normalise(c["q"]) for c in eval_set["in_scope"] + eval_set["out_of_scope"]}
    assert not [
        c["q"] for c in heldout["in_scope"] + heldout["out_of_scope"] if normalise(c["q"]) in seen
    ]


@pytest.mark.parametrize("name", SETS)
def test_top1_accuracy(reports: dict, name: str) -> None:
    """The best candidate (the answer, or the first "did you mean") is the right entry."""
    assert reports[name].figures()["top-1 accuracy"] >= 0.90, reports[name].misses


@pytest.mark.parametrize("name", SETS)
def test_confident_answers_are_mostly_given_and_almost_never_wrong(
    reports: dict, name: str
) -> None:
    figures = reports[name].figures()
    assert figures["answered and right"] >= 0.75
    assert figures["answered but wrong"] <= 0.02, reports[name].misses


@pytest.mark.parametrize("name", SETS)
def test_out_of_scope_rejection(reports: dict, name: str) -> None:
    figures = reports[name].figures()
    assert figures["out-of-scope rejection"] >= 0.90, reports[name].false_answers


@pytest.mark.parametrize("name", SETS)
def test_answers_come_in_the_askers_language(reports: dict, name: str) -> None:
    """Even when the person's known language (the hint) is the other one."""
    assert reports[name].figures()["language correct"] >= 0.9


@pytest.mark.parametrize("question", ["malien de l'extérieur", "diaspora", "forum", "Mali"])
def test_questions_made_of_words_every_entry_shares_get_choices(question: str) -> None:
    match = FaqIndex.load().search(question)
    assert match.outcome != "answer"


def test_the_session_5_development_set_is_written_apart() -> None:
    """tests/knowledge/faq_dev4.yaml (near-domain questions out of scope, tricky ones in scope):
    it points at real entries, and none of its questions is a variant or a question of the
    other sets. Its figures are in docs/benchmarks.md; the rules of session 5 were tuned on it,
    so they are development figures, not a held-out measure."""
    index = FaqIndex.load(semantic=False)
    dev = load_cases(HERE / "faq_dev4.yaml")
    in_scope, out_of_scope = dev["in_scope"], dev["out_of_scope"]
    assert len(in_scope) >= 100 and len(out_of_scope) >= 75
    assert not [c["id"] for c in in_scope if c["id"] not in index.entries]
    variants = {
        normalise(q) for e in index.entries.values() for qs in e.questions.values() for q in qs
    }
    others = {
        normalise(c["q"])
        for path in SETS.values()
        for kind in ("in_scope", "out_of_scope")
        for c in load_cases(path)[kind]
    }
    assert not [c["q"] for c in in_scope + out_of_scope if normalise(c["q"]) in variants | others]
