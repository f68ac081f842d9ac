"""How long a text is once made sendable as GSM-7 SMS.

A stand-in until the shared `knowledge/gsm7.py` lands: `to_gsm7` is the one function to swap.
It keeps what GSM-7 can carry (é è à ù are in its alphabet) and replaces the rest the way the
SMS renderer will, so the 300-character limit is checked on what people will really receive.
"""

from __future__ import annotations

import unicodedata

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

SMS_LIMIT = 300

_REPLACEMENTS = str.maketrans(
    {
        "ê": "e", "â": "a", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ç": "c",
        "Ê": "E", "Â": "A", "Î": "I", "Ô": "O", "Û": "U", "Ë": "E", "Ï": "I", "Ç": "C",
        "œ": "oe", "Œ": "OE", "«": '"', "»": '"', "“": '"', "”": '"', "‘": "'", "’": "'",
        "–": "-", "—": "-", "…": "...", "\u00a0": " ", "\u202f": " ",
    }
)


def to_gsm7(text: str) -> str:
    """`text` as GSM-7 can carry it; characters it cannot are replaced, or dropped at worst."""
    text = text.translate(_REPLACEMENTS)
    out = []
    for ch in text:
        if _encodable(ch):
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch)[:1]
        if base and _encodable(base):
            out.append(base)
    return "".join(out)


def gsm7_length(text: str) -> int:
    """Septets used: characters of GSM-7's extension table ({ } [ ] ~ | € ^ \\) count twice."""
    return len(to_gsm7(text).encode("gsm03.38"))


def _encodable(ch: str) -> bool:
    try:
        ch.encode("gsm03.38")
    except UnicodeError:
        return False
    return True
