from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.language import detect_language

EVAL_FILE = Path(__file__).parent / "faq_eval.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cmb de tps pr creer 1 sté o mali", "fr"),
        ("koi faire pr envoyer l argent", "fr"),
        ("double nationalité", "fr"),
        ("wat r the steps 2 open a biz", "en"),
        ("how long to create a company", "en"),
        ("pls help me with my papers", "en"),
    ],
)
def test_short_texts_in_either_language(text: str, expected: str) -> None:
    # The fallback is the other language, so only real evidence passes.
    other = "en" if expected == "fr" else "fr"
    assert detect_language(text, other) == expected


@pytest.mark.parametrize("text", ["", "   ", "hcme", "TOKTEN", "72", "🙂", "ok"])
def test_texts_that_say_nothing_keep_the_persons_language(text: str) -> None:
    assert detect_language(text, "en") == "en"
    assert detect_language(text, "fr") == "fr"


def test_unknown_fallback_becomes_french() -> None:
    assert detect_language("", "bm") == "fr"


def test_language_of_the_evaluation_set() -> None:
    """At least 90 % right even when the fallback is always the wrong language."""
    data = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))
    cases = data["in_scope"] + data["out_of_scope"]
    right = sum(
        detect_language(c["q"], "en" if c["lang"] == "fr" else "fr") == c["lang"] for c in cases
    )
    assert right / len(cases) >= 0.9
