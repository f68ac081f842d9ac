"""Folding text for comparison: case, accents, punctuation and spacing do not change a word."""

from __future__ import annotations

import re
import unicodedata

_PUNCTUATION = re.compile(r"[^\w\s/+#-]", re.UNICODE)
_SPACES = re.compile(r"\s+")
# C0/C1 control characters (but not newline or tab), and bidirectional overrides, which
# people paste by accident and which would otherwise hide inside stored text and logs.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: 'ARRÊT !' -> 'arret'."""
    text = strip_accents(text).casefold()
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def clean(text: str) -> str:
    """Remove control characters and surrounding space from a person's message."""
    return _CONTROL.sub("", text).strip()
