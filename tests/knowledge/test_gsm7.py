from __future__ import annotations

import random

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec, our reference)
import pytest

from knowledge.gsm7 import (
    GSM7,
    GSM7_EXTENSION,
    SegmentInfo,
    fit,
    is_gsm7,
    segments,
    transliterate,
)


def test_table_matches_the_gsm0338_codec_over_the_whole_bmp():
    for code in range(0x10000):
        char = chr(code)
        if char == "\x1b":  # encodable by the codec, but a bare escape is not text
            assert char not in GSM7
            continue
        try:
            encoded = char.encode("gsm03.38")
        except UnicodeEncodeError:
            assert char not in GSM7, repr(char)
        else:
            assert char in GSM7, repr(char)
            assert (len(encoded) == 2) == (char in GSM7_EXTENSION), repr(char)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SegmentInfo("GSM-7", 0, 0)),
        ("a", SegmentInfo("GSM-7", 1, 1)),
        ("a" * 160, SegmentInfo("GSM-7", 160, 1)),
        ("a" * 161, SegmentInfo("GSM-7", 161, 2)),
        ("a" * 306, SegmentInfo("GSM-7", 306, 2)),
        ("a" * 307, SegmentInfo("GSM-7", 307, 3)),
        ("é" * 160, SegmentInfo("GSM-7", 160, 1)),
        ("€", SegmentInfo("GSM-7", 2, 1)),
        ("a" * 158 + "€", SegmentInfo("GSM-7", 160, 1)),
        ("a" * 159 + "€", SegmentInfo("GSM-7", 161, 2)),
        ("^{}\\[~]|\f", SegmentInfo("GSM-7", 18, 1)),
        ("\r\n", SegmentInfo("GSM-7", 2, 1)),
        ("ê" * 70, SegmentInfo("UCS-2", 70, 1)),
        ("ê" * 71, SegmentInfo("UCS-2", 71, 2)),
        ("ê" * 134, SegmentInfo("UCS-2", 134, 2)),
        ("ê" * 135, SegmentInfo("UCS-2", 135, 3)),
        ("😀", SegmentInfo("UCS-2", 2, 1)),
        ("a" * 68 + "😀", SegmentInfo("UCS-2", 70, 1)),
        ("a" * 69 + "😀", SegmentInfo("UCS-2", 71, 2)),
    ],
)
def test_segment_counts(text, expected):
    assert segments(text) == expected


def test_an_emoji_turns_a_whole_gsm_text_into_ucs2():
    assert segments("a" * 100).segments == 1
    assert segments("a" * 100 + "😀") == SegmentInfo("UCS-2", 102, 2)


def test_an_escape_pair_is_not_split_across_segments():
    # 152 + 2 + 152 = 306 units, naively 2 segments; the € cannot take the 153rd septet alone.
    assert segments("a" * 152 + "€" + "a" * 152) == SegmentInfo("GSM-7", 306, 3)
    assert segments("a" * 151 + "€" + "a" * 153) == SegmentInfo("GSM-7", 306, 2)


def test_a_surrogate_pair_is_not_split_across_segments():
    assert segments("a" * 66 + "😀" + "a" * 66) == SegmentInfo("UCS-2", 134, 3)
    assert segments("a" * 65 + "😀" + "a" * 67) == SegmentInfo("UCS-2", 134, 2)


def _reference_segments(text: str) -> int:
    """Slow, obvious version: fill segments septet by septet (or code unit by code unit)."""
    if not text:
        return 0
    try:
        sizes = [len(c.encode("gsm03.38")) for c in text]
        assert "\x1b" not in text
        single, multi = 160, 153
    except (UnicodeEncodeError, AssertionError):
        sizes = [len(c.encode("utf-16-le")) // 2 for c in text]
        single, multi = 70, 67
    if sum(sizes) <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return count


def test_segments_agree_with_a_reference_on_random_texts():
    rng = random.Random(20240601)
    alphabet = "ab é€^ \n" * 4 + "ê😀"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 500)))
        assert segments(text).segments == _reference_segments(text), repr(text)


def test_a_french_sentence_stays_gsm7():
    text = "Votre inscription à la Fête: « très » bien — merci…"
    result = transliterate(text)
    assert result == 'Votre inscription à la Fete: "très" bien - merci...'
    assert is_gsm7(result)


def test_french_letters_outside_gsm7_are_mapped():
    assert transliterate("ê ë â î ï ô û ç œ ÿ") == "e e a i i o u c oe y"
    assert transliterate("Ê Ë Â Î Ï Ô Û Œ Ÿ È À Ù") == "E E A I I O U OE Y E A U"
    assert transliterate("l’État, “oui”, ‘non’") == "l'État, \"oui\", 'non'"
    assert transliterate("a\u00a0:\u202fb\u2009c") == "a : b c"
    assert transliterate("n° 95-70 – 2011–087") == "no 95-70 - 2011-087"


def test_gsm7_letters_are_kept():
    kept = "é è à ù ì ò É Ç Ä Ö Ñ Ü ä ö ñ ü ø Ø å Å æ Æ ß € £ ¥ ¤ § ¡ ¿ Δ Σ @ $ _"
    assert transliterate(kept) == kept
    assert is_gsm7(kept)


def test_other_accented_latin_letters_fall_back_to_decomposition():
    assert transliterate("Ségou, Kayes, Tombouctou; São Tomé; Łódź; Đà Nẵng") == (
        "Ségou, Kayes, Tombouctou; Sao Tomé; Łodz; Đà Nang"
    )
    assert transliterate("e\u0301te\u0302") == "éte"  # decomposed input is composed first


def test_bambara_letters_use_the_gsm7_spelling():
    assert transliterate("Ɔ bɛ ɲɔgɔn ye, ŋaniya") == "O bè nyògòn ye, nganiya"
    assert is_gsm7(transliterate("Ɔ bɛ ɲɔgɔn ye, ŋaniya"))


def test_emoji_and_other_scripts_are_kept():
    for text in ("Merci 🙏🏾", "مرحبا", "Привет", "👨‍👩‍👧", "ߒߞߏ"):
        assert transliterate(text) == text


def test_transliterate_is_idempotent_and_makes_latin_text_gsm7():
    rng = random.Random(7)
    latin = [chr(c) for c in range(0x20, 0x250) if chr(c).isprintable()]
    typography = list("‘’“”«»–—…\u00a0\u202f•")
    for _ in range(500):
        text = "".join(rng.choice(latin + typography) for _ in range(rng.randrange(1, 80)))
        once = transliterate(text)
        assert transliterate(once) == once
    french = "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ" + "".join(typography)
    for _ in range(200):
        text = "".join(rng.choice(french + "abc ") for _ in range(rng.randrange(1, 200)))
        assert is_gsm7(transliterate(text)), text


def test_fit_returns_text_that_fits_unchanged():
    assert fit("Bonjour.", 1, "(PLUS)") == ("Bonjour.", "")
    assert fit("a" * 306, 2, "(PLUS)") == ("a" * 306, "")


def test_fit_cuts_at_a_sentence_boundary_and_leaves_room_for_the_hint():
    first = "Le passeport se demande au consulat avec l'acte de naissance. "
    second = "Apportez aussi deux photos et la carte NINA. "
    third = "Le delai est de plusieurs semaines selon le consulat et la saison des demandes."
    text = first + second + third
    hint = "Envoyez PLUS pour la suite"
    head, rest = fit(text, 1, hint)
    assert head == (first + second).strip()
    assert rest == third
    assert segments(f"{head} {hint}").segments == 1


def test_fit_cuts_at_a_newline():
    text = "Ligne une assez longue pour compter\n" + "mot " * 60
    head, rest = fit(text, 1, "(PLUS)")
    assert head.startswith("Ligne une assez longue pour compter")
    assert segments(head + " (PLUS)").segments == 1


def test_fit_falls_back_to_a_word_boundary():
    text = "mot " * 100
    head, rest = fit(text, 1, "(PLUS)")
    assert head.endswith("mot") and not head.endswith(" ")
    assert len(f"{head} (PLUS)") <= 160
    assert len(f"{head} mot (PLUS)") > 160  # as much as fits
    assert (head + " " + rest).split() == text.split()


def test_fit_prefers_a_word_boundary_to_a_very_early_sentence_end():
    text = "Oui. " + "mot " * 100
    head, _ = fit(text, 1, "(PLUS)")
    assert len(head) > 100


def test_fit_cuts_inside_a_word_only_when_one_word_is_too_long():
    text = "x" * 400 + " fin"
    head, rest = fit(text, 1, "(PLUS)")
    assert head == "x" * 153
    assert rest == "x" * 247 + " fin"


def test_fit_does_not_split_an_emoji_with_its_modifier():
    text = "🙏🏾" * 50
    head, rest = fit(text, 1, "(PLUS)")
    assert head + rest == text
    assert not head.endswith("🙏") and rest.startswith("🙏")


def test_fit_keeps_a_hint_that_makes_ucs2_within_budget():
    head, rest = fit("mot " * 100, 2, "Envoyez PLUS 🙂")
    assert rest
    assert segments(f"{head} Envoyez PLUS 🙂").segments <= 2


def test_fit_rejects_impossible_budgets():
    with pytest.raises(ValueError):
        fit("a" * 200, 0, "(PLUS)")
    with pytest.raises(ValueError):
        fit("a" * 200, 1, "P" * 160)


_WORDS = [
    "le", "passeport", "consulat", "Bamako", "Fête", "très", "€", "{x}", "^", "😀", "🙏🏾",
    "naissance", "état-civil", "l'acte", "n°", "NINA", "«", "»", "—", "ça",
]  # fmt: skip
_SEPARATORS = [" ", " ", " ", " ", ". ", "! ", "? ", "\n", ", ", "  "]


def _random_text(rng: random.Random, long_words: bool = False) -> str:
    parts = []
    for _ in range(rng.randrange(1, 250)):
        word = rng.choice(_WORDS)
        if long_words and rng.random() < 0.05:
            word = "y" * rng.randrange(100, 400)
        parts.append(word + rng.choice(_SEPARATORS))
    return "".join(parts)


@pytest.mark.parametrize("long_words", [False, True])
def test_fit_invariants_on_random_texts(long_words):
    rng = random.Random(1234 + long_words)
    hints = ["(PLUS)", "(MORE)", "Envoyez PLUS pour la suite", "PLUS 🙂", ""]
    for _ in range(1500):
        text = _random_text(rng, long_words)
        budget = rng.randrange(1, 5)
        hint = rng.choice(hints)
        head, rest = fit(text, budget, hint)
        if not rest:
            assert head.strip() == text.strip()
            assert segments(head).segments <= budget
            continue
        assert head and head == head.strip() and rest == rest.strip()
        sent = f"{head} {hint}" if hint else head
        assert segments(sent).segments <= budget, (text, budget, hint)
        # No character lost or added, whatever the cut.
        assert "".join(head.split()) + "".join(rest.split()) == "".join(text.split())
        if not long_words:  # words stay whole when each fits in a segment
            assert head.split() + rest.split() == text.split()
