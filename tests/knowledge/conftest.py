from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.faq import FaqIndex

FIXTURE_FAQ = Path(__file__).parent / "fixtures" / "faq"


@pytest.fixture(scope="session")
def small_faq() -> FaqIndex:
    """A tiny FAQ of our own, words only: tests of behaviour, not of the real content."""
    return FaqIndex.load(FIXTURE_FAQ, semantic=False)
