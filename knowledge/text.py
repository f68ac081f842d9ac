"""Folding text for comparison: case, accents, punctuation and spacing do not change a word.

`fold` is the one folding of the project: the router's keywords and the FAQ's normalisation
(knowledge/normalise.py, which adds SMS spellings and synonyms on top) both use it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Longer texts are cut: nobody asks one question in more than this, and it bounds the cost of
# matching a pasted essay or a flood of characters.
MAX_CHARS = 2000

# Letters NFKD does not decompose into a base letter plus an accent.
_SPECIAL_LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "’": "'", "ʼ": "'",
     # Bambara (and other Manding) letters, folded to the ASCII spellings people type on phones
     # without them: "i ka kɛnɛ" and "i ka kene" are one text, "ɲininkali" and "nyininkali" too.
     "ɛ": "e", "ɔ": "o", "ɲ": "ny", "ŋ": "ng"}
)  # fmt: skip
_NON_WORD = re.compile(r"[^0-9a-z]+")
# C0/C1 control characters (but not newline or tab), and bidirectional overrides, which
# people paste by accident and which would otherwise hide inside stored text and logs; and
# Unicode's non-characters (U+FFFF, U+FDD0...), which no keyboard types and which say nothing.
_NON_CHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)
)
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
    + _NON_CHARACTERS
    + "]"
)


def fold(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits as single spaces:
    'ARRÊT !' -> 'arret', "l'État" -> 'l etat'."""
    return _fold_short(text) if len(text) <= CACHED_FOLD_LENGTH else _fold(text)


# The same short texts are folded again and again (keywords, option labels, forum names,
# greetings), and folding costs more than a lookup. Long texts are not kept: a stream of long
# messages must not fill memory.
CACHED_FOLD_LENGTH = 120


@lru_cache(maxsize=8192)
def _fold_short(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    text = text[:MAX_CHARS].lower().translate(_SPECIAL_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text).strip()


def clean(text: str) -> str:
    """Remove control characters and surrounding space from a person's message."""
    return _CONTROL.sub("", text).strip()
