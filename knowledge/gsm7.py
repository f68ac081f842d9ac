"""GSM-7 text: keep our French in the SMS default alphabet, count segments, cut long texts.

Why it matters: one character outside GSM 03.38 (an "ê", a curly quote) switches the whole SMS to
UCS-2, 70 characters a segment instead of 160, and families on basic phones pay per segment.

Segment rules (3GPP TS 23.038 / 23.040, as Twilio and carriers count them):

- GSM-7: one segment holds 160 septets; a concatenated message holds 153 per segment (the UDH
  takes the rest). Extension-table characters (``^ { } \\ [ ~ ] | €`` and form feed) are an
  escape plus a character: 2 septets, and the pair is never split across segments.
- UCS-2: 70 UTF-16 code units in one segment, 67 per segment when concatenated. Characters outside
  the BMP (most emoji) are a surrogate pair: 2 units, never split across segments.
- Empty text: 0 units and 0 segments. Twilio refuses an empty body (error 21602), so nothing is
  sent or billed; callers must not send empty messages.

Pure module: imports only the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

# GSM 03.38 default alphabet, in code order 0x00-0x7F (3GPP TS 23.038 §6.2.1). ESC (0x1B) is left
# out: a raw ESC in text is not a character a phone can show, it would start an extension pair.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ"
    "ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Default extension table (§6.2.1.1): each costs ESC + code, 2 septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SegmentInfo:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


# Characters we map by hand: French letters outside GSM-7 and typography. Letters that ARE in
# GSM-7 (é è à ù ì ò É Ç ä ö ñ ü æ ß ...) are never touched.
# fmt: off
_TABLE: dict[str, str] = {
    # French letters. Lower-case ç is not in the basic table (only Ç is), so it becomes c.
    "ê": "e", "ë": "e", "â": "a", "î": "i", "ï": "i", "ô": "o", "û": "u", "ç": "c", "ÿ": "y",
    "Ê": "E", "Ë": "E", "Â": "A", "Î": "I", "Ï": "I", "Ô": "O", "Û": "U", "Ÿ": "Y",
    "È": "E", "À": "A", "Ù": "U",
    "œ": "oe", "Œ": "OE",
    # Bambara letters, written the way the older Malian orthography (and SMS users) do: è and ò
    # are GSM-7, so Bambara text stays GSM-7 too.
    "ɛ": "è", "Ɛ": "E", "ɔ": "ò", "Ɔ": "O", "ɲ": "ny", "Ɲ": "Ny", "ŋ": "ng", "Ŋ": "Ng",
    # Quotes and apostrophes.
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "ʼ": "'", "`": "'", "´": "'",
    "‹": "'", "›": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    # Dashes and bullets.
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "⁃": "-",
    "•": "-", "‣": "-", "◦": "-", "·": "-",
    "…": "...",
    # "n°" is everywhere in French legal references.
    "°": "o", "×": "x", "©": "(c)", "®": "(R)",
    # Spaces (French typography puts narrow no-break spaces before ; : ! ? and inside « »).
    "\t": " ", "\u00a0": " ", "\u1680": " ", "\u202f": " ", "\u205f": " ", "\u3000": " ",
    **{chr(c): " " for c in range(0x2000, 0x200B)},
    "\v": "\n", "\u2028": "\n", "\u2029": "\n",
    # Invisible characters: cost units, show nothing. ZWJ/ZWNJ stay: emoji and scripts need them.
    "\u00ad": "", "\u200b": "", "\u2060": "", "\ufeff": "",
}
# fmt: on
_TRANSLATE = str.maketrans(_TABLE)

# « très » becomes "très": the inner spaces are French typography, not content.
_GUILLEMET_OPEN = re.compile(r"«\s*")
_GUILLEMET_CLOSE = re.compile(r"\s*»")
# Combining marks left after NFC on a Latin letter with no precomposed form ("q̃").
_STRAY_MARKS = re.compile(r"(?<=[A-Za-z])[\u0300-\u036f]+")


@lru_cache(maxsize=4096)
def _fallback(char: str) -> str:
    """Strip accents by decomposition, but only if that yields GSM-7 (so other scripts stay)."""
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and GSM7.issuperset(base):
        return base
    return char


def transliterate(text: str) -> str:
    """Map characters outside GSM-7 to GSM-7 look-alikes where a reader loses nothing.

    Emoji and non-Latin scripts are kept: such a message becomes UCS-2, which is right for a
    person's own words; our own texts should come out GSM-7. Idempotent.
    """
    if GSM7.issuperset(text):
        return text  # the common case, and the cheapest check
    text = unicodedata.normalize("NFC", text)  # "e" + U+0301 -> "é", which is GSM-7
    text = _GUILLEMET_CLOSE.sub("»", _GUILLEMET_OPEN.sub("«", text))
    text = text.translate(_TRANSLATE)
    text = _STRAY_MARKS.sub("", text)
    if GSM7.issuperset(text):
        return text
    return "".join(c if c in GSM7 else _fallback(c) for c in text)


def is_gsm7(text: str) -> bool:
    return GSM7.issuperset(text)


def _packed(sizes: list[int], per_segment: int) -> int:
    """Segments needed when items (1 or 2 units) are packed in order and never split."""
    count, used = 1, 0
    for size in sizes:
        if used + size > per_segment:
            count, used = count + 1, 0
        used += size
    return count


def segments(text: str) -> SegmentInfo:
    """Encoding, units and segment count of `text` as one SMS (see the module docstring)."""
    if not text:
        return SegmentInfo("GSM-7", 0, 0)
    if GSM7.issuperset(text):
        wide = sum(map(text.count, GSM7_EXTENSION))
        units = len(text) + wide
        if units <= GSM7_SINGLE:
            return SegmentInfo("GSM-7", units, 1)
        if not wide:
            return SegmentInfo("GSM-7", units, -(-units // GSM7_MULTI))
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return SegmentInfo("GSM-7", units, _packed(sizes, GSM7_MULTI))
    units = len(text.encode("utf-16-le")) // 2
    if units <= UCS2_SINGLE:
        return SegmentInfo("UCS-2", units, 1)
    if units == len(text):  # BMP only: no surrogate pair to keep whole
        return SegmentInfo("UCS-2", units, -(-units // UCS2_MULTI))
    sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SegmentInfo("UCS-2", units, _packed(sizes, UCS2_MULTI))


def fits(text: str, max_segments: int) -> bool:
    return segments(text).segments <= max_segments


_SENTENCE_END = ".!?"
_CLOSERS = "\"')]"
# A sentence boundary is preferred, unless it keeps less than this share of what a word boundary
# would: a near-empty SMS still costs a segment and one more PLUS round trip for the person.
_MIN_SENTENCE_SHARE = 0.5


def _boundaries(text: str) -> tuple[list[int], list[int]]:
    """Cut positions (ends of heads) before each whitespace run: (sentence ones, word ones)."""
    sentence, word = [], []
    for match in re.finditer(r"\s+", text):
        i = match.start()
        if i == 0 or match.end() == len(text):
            continue
        word.append(i)
        before = text[i - 1]
        if (
            "\n" in match.group()
            or before in _SENTENCE_END
            or (before in _CLOSERS and i >= 2 and text[i - 2] in _SENTENCE_END)
        ):
            sentence.append(i)
    return sentence, word


def _last_fitting(cuts: list[int], ok) -> int | None:
    """Largest cut with ok(cut), assuming ok is monotonic (true, then false)."""
    lo, hi, best = 0, len(cuts) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(cuts[mid]):
            best, lo = cuts[mid], mid + 1
        else:
            hi = mid - 1
    return best


def _joins_previous(char: str) -> bool:
    """Characters that belong to the one before them (don't start a segment's text with them)."""
    return (
        bool(unicodedata.combining(char))
        or char in "\u200d\ufe0f\ufe0e"
        or (
            "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tone modifiers
        )
    )


def cut(text: str, max_segments: int, suffix: str) -> tuple[str, str]:
    """Split stripped `text` so that head + suffix fits in max_segments; head is never empty.

    Prefers a sentence boundary, then a word boundary, and cuts inside a word only when the first
    word alone does not fit. Raises ValueError if not even one character fits beside the suffix.
    Segment counts only grow as the head grows (contiguous packing is optimal), hence the
    binary searches.
    """
    text = text.strip()

    def ok(end: int) -> bool:
        return fits(text[:end] + suffix, max_segments)

    if not text or not ok(1):
        raise ValueError(f"{suffix!r} leaves no room for text in {max_segments} segment(s)")
    if ok(len(text)):
        return text, ""
    sentence_cuts, word_cuts = _boundaries(text)
    word_end = _last_fitting(word_cuts, ok)
    end = None
    if word_end is not None:
        sentence_end = _last_fitting(sentence_cuts, ok)
        if sentence_end is not None and sentence_end >= _MIN_SENTENCE_SHARE * word_end:
            end = sentence_end
        else:
            end = word_end
    else:  # the first word alone is too long: cut inside it, but not inside a character cluster
        lo, hi, end = 1, len(text) - 1, 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if ok(mid):
                end, lo = mid, mid + 1
            else:
                hi = mid - 1
        while end > 1 and _joins_previous(text[end]):
            end -= 1
    return text[:end].rstrip(), text[end:].strip()


def fit(text: str, max_segments: int, more_word: str) -> tuple[str, str]:
    """Split `text` into (head, rest) so that one SMS of max_segments carries the head.

    If `text` fits, returns (text, ""). Otherwise `head + " " + more_word` fits in max_segments:
    the caller sends exactly that (more_word is the whole hint, e.g. "Envoyez PLUS pour la suite")
    and keeps `rest` (stripped) for when the person asks for more. Cuts at the last sentence
    boundary (". ", "! ", "? ", newline) or, failing that, a word boundary; inside a word only if
    one word is longer than the room available.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if fits(text, max_segments):
        return text, ""
    if fits(text.strip(), max_segments):
        return text.strip(), ""
    return cut(text, max_segments, f" {more_word}" if more_word else "")


def sendable_length(text: str) -> int:
    """Characters an SMS of our `text` costs once transliterated: GSM-7 septets (extension
    characters count 2), or UTF-16 units if something still forces UCS-2."""
    return segments(transliterate(text)).units
