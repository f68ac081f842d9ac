"""Keeps the sealed sets written apart from the engine honest: the fourth, fifth and sixth
held-out sets (faq_heldout4.yaml, intents_heldout4.yaml, faq_heldout5.yaml, intents_heldout5.yaml,
faq_heldout6.yaml, intents_heldout6.yaml).

They were written on 2026-11-30 apart from the engine (from the entries' ids, titles and answers,
the intent names and the source documents only) and are never tuned on; these tests do not measure
the engine (benchmarks/faq.py does). They check that the sets still fit it: every id is a real FAQ
entry and every intent a real intent, each entry and intent is covered, nothing is listed twice,
and no held-out message appears verbatim among the engine's own question variants, guidance or
phrasings (a set copied into the engine would no longer be held out).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from knowledge.faq import load_faq, load_off_topic
from knowledge.intents import IntentIndex, is_emoji_only

HERE = Path(__file__).parent
LANGS = {"fr", "en"}
EMOJI = "emoji"  # an emoji-only message: not an entry of intents.yaml


@dataclass(frozen=True)
class Sealed:
    number: int
    # The sizes each writer promised: in scope, out of scope, intents, non-intents.
    sizes: tuple[int, int, int, int]


SEALED = (
    Sealed(4, (300, 85, 150, 60)),
    Sealed(5, (200, 80, 130, 85)),
    Sealed(6, (300, 90, 150, 80)),
)
# Entries added after the sealed sets were written: no set covers them (their questions may
# still land there, and then count as wrong against the entry the writer chose).
NEWER_ENTRIES = frozenset({"pointer_nationality_acquisition"})


def folded(text: str) -> str:
    """Case folded, accents dropped, spaces collapsed, end punctuation dropped."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" ?!.,;:")


def strings(value) -> list[str]:
    """Every string inside a nest of dicts, lists and tuples."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, (list, tuple, set)):
        return [s for v in value for s in strings(v)]
    return []


@pytest.fixture(scope="module", params=SEALED, ids=lambda s: f"heldout{s.number}")
def sealed(request) -> Sealed:
    return request.param


@pytest.fixture(scope="module")
def faq_set(sealed: Sealed) -> dict:
    return yaml.safe_load((HERE / f"faq_heldout{sealed.number}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def intent_set(sealed: Sealed) -> dict:
    path = HERE / f"intents_heldout{sealed.number}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entries() -> dict:
    _topics, by_id = load_faq()
    return by_id


@pytest.fixture(scope="module")
def intents() -> IntentIndex:
    return IntentIndex.load()


def test_the_sets_have_their_promised_size(sealed, faq_set, intent_set):
    in_scope, out_of_scope, phrasings, none = sealed.sizes
    assert len(faq_set["in_scope"]) >= in_scope
    assert len(faq_set["out_of_scope"]) >= out_of_scope
    assert len(intent_set["intents"]) >= phrasings
    assert len(intent_set["none"]) >= none


def test_every_faq_case_names_a_real_entry_and_a_language(faq_set, entries):
    unknown = sorted({c["id"] for c in faq_set["in_scope"]} - set(entries))
    assert not unknown, f"not FAQ entries: {unknown}"
    for case in faq_set["in_scope"]:
        assert case["lang"] in LANGS, case
        assert case["q"].strip(), case
    for case in faq_set["out_of_scope"]:
        assert "id" not in case, case
        assert case.get("lang", "fr") in LANGS, case


def test_every_faq_entry_has_at_least_three_held_out_questions(faq_set, entries):
    counts = Counter(c["id"] for c in faq_set["in_scope"])
    thin = {e: counts[e] for e in entries if counts[e] < 3 and e not in NEWER_ENTRIES}
    assert not thin, f"entries with fewer than 3 held-out questions: {thin}"


def test_both_languages_are_well_represented(faq_set, intent_set):
    for cases in (faq_set["in_scope"], faq_set["out_of_scope"], intent_set["intents"]):
        langs = Counter(c.get("lang") for c in cases)
        assert langs["fr"] >= len(cases) // 3, langs
        assert langs["en"] >= len(cases) // 4, langs


def test_every_intent_case_names_a_real_intent(intent_set, intents):
    known = set(intents.names) | {EMOJI}
    unknown = sorted({c["intent"] for c in intent_set["intents"]} - known)
    assert not unknown, f"not intents: {unknown}"
    for case in intent_set["intents"] + intent_set["none"]:
        assert case.get("lang", "fr") in LANGS, case
    for case in intent_set["none"]:
        assert "intent" not in case, case


def test_every_intent_has_at_least_five_held_out_phrasings(intent_set, intents):
    counts = Counter(c["intent"] for c in intent_set["intents"])
    thin = {n: counts[n] for n in [*intents.names, EMOJI] if counts[n] < 5}
    assert not thin, f"intents with fewer than 5 held-out phrasings: {thin}"


def test_emoji_cases_are_exactly_the_emoji_only_messages(intent_set):
    for case in intent_set["intents"] + intent_set["none"]:
        assert is_emoji_only(case["q"]) == (case.get("intent") == EMOJI), case


def test_no_message_is_listed_twice(faq_set, intent_set):
    for name, cases in (
        ("faq", faq_set["in_scope"] + faq_set["out_of_scope"]),
        ("intents", intent_set["intents"] + intent_set["none"]),
    ):
        counts = Counter(folded(c["q"]) for c in cases)
        twice = sorted(q for q, n in counts.items() if n > 1)
        assert not twice, f"{name}: listed twice: {twice}"


def test_no_faq_question_is_copied_from_the_engine(faq_set, entries):
    engine = {folded(s) for e in entries.values() for s in strings([e.questions, e.guidance])}
    engine |= {folded(s) for s in load_off_topic()}
    copied = [
        c["q"] for c in faq_set["in_scope"] + faq_set["out_of_scope"] if folded(c["q"]) in engine
    ]
    assert not copied, f"held-out questions found among the engine's variants: {copied}"


def test_no_intent_phrasing_is_copied_from_the_engine(intent_set, intents):
    engine = {folded(s) for s in strings(intents.phrasings)}
    copied = [
        c["q"] for c in intent_set["intents"] + intent_set["none"] if folded(c["q"]) in engine
    ]
    assert not copied, f"held-out phrasings found among the engine's phrasings: {copied}"
