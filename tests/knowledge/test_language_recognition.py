"""Bambara and Soninke recognised on short texts, held out from the lexicon that recognises
them (language_heldout.yaml); figures: benchmarks/languages.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.language import recognise

HELDOUT = yaml.safe_load(
    (Path(__file__).parent / "language_heldout.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("lang", ["bm", "snk", "fr", "en"])
def test_short_texts_of_the_held_out_list(lang: str) -> None:
    texts = HELDOUT[lang]
    right = sum(recognise(text).language == lang for text in texts)
    assert right / len(texts) >= 0.85, f"{lang}: {right}/{len(texts)}"


@pytest.mark.parametrize("case", HELDOUT["mixed"], ids=lambda c: c["text"][:30])
def test_a_greeting_around_a_question_keeps_the_questions_language(case: dict) -> None:
    recognition = recognise(case["text"])
    assert recognition.language == case["lang"]
    assert case["also"] in recognition.also


def test_french_questions_are_not_pulled_into_bambara_by_shared_words() -> None:
    # "la", "de", "ni", "ma", "don", "te" are Bambara words too; alone they prove nothing.
    for text in ["je ne sais pas", "la carte de ma femme", "ni oui ni non", "don du sang"]:
        assert recognise(text).language == "fr", text
