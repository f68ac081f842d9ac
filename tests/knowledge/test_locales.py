"""UI strings: every language complete, placeholders the same in every language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.locales import Locales


def test_the_shipped_locales_have_no_problems() -> None:
    assert Locales.load().problems() == []


def test_a_missing_key_and_a_wrong_placeholder_are_reported(tmp_path: Path) -> None:
    (tmp_path / "fr.yaml").write_text("a: Bonjour {name}\nb: Au revoir\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text("a: Hello {nom}\n", encoding="utf-8")
    problems = Locales.load(tmp_path).problems()
    assert "en.yaml: b: missing (the fr text is used)" in problems
    assert any(p.startswith("en.yaml: a: placeholders ['nom']") for p in problems)


def test_a_missing_key_falls_back_to_french(tmp_path: Path) -> None:
    (tmp_path / "fr.yaml").write_text("a: Bonjour\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text("b: Bye\n", encoding="utf-8")
    assert Locales.load(tmp_path).t("en", "a") == "Bonjour"


def test_a_bare_yes_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fr.yaml").write_text("yes: oui\n", encoding="utf-8")
    with pytest.raises(ValueError, match="quote it"):
        Locales.load(tmp_path)


def test_a_forums_day_is_written_with_the_months_name_of_the_persons_language() -> None:
    # CLDR's names (Babel), not a list kept by hand: Bambara has its own; Soninke, which CLDR
    # does not know, gets its fallback's (French).
    locales = Locales.load(languages=("fr", "en", "bm", "snk"), drafts=True)
    day = date(2027, 3, 15)
    assert locales.long_date("fr", day) == "15 mars 2027"
    assert locales.long_date("en", day) == "15 March 2027"
    assert locales.long_date("bm", day) == "15 marisi 2027"
    assert locales.long_date("snk", day) == "15 mars 2027"
