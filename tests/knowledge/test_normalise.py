from __future__ import annotations

import pytest

from knowledge.normalise import content_tokens, fold, normalise


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Nationalité MALIENNE !!", "nationalite malienne"),
        ("l’État, c'est «nous»", "l etat c est nous"),
        ("Œuvre", "oeuvre"),
        ("  \t\n ", ""),
        ("🇲🇱🙏", ""),
    ],
)
def test_fold_removes_case_accents_and_punctuation(typed: str, expected: str) -> None:
    assert fold(typed) == expected


def test_sms_french_is_spelled_out() -> None:
    assert normalise("cmb de tps pr creer 1 sté o mali") == (
        "combien de temps pour creer 1 entreprise au mali"
    )


def test_english_texting_is_spelled_out() -> None:
    assert normalise("wat r u doing 4 ur biz") == "what are you doing 4 your company"


def test_synonyms_meet_in_one_word_in_each_language() -> None:
    assert normalise("ouvrir une boîte") == normalise("créer une société")
    assert normalise("set up a firm") == normalise("start a business")


def test_longest_phrase_wins() -> None:
    assert normalise("dual nationality") == "dual citizenship"
    assert normalise("nationality") == "citizenship"


def test_digits_glued_to_words_are_split_but_sms_words_with_digits_are_kept() -> None:
    assert normalise("72h") == "72 h"
    assert normalise("b1 recu") == "bien recu"


def test_content_tokens_drop_filler_and_plurals() -> None:
    assert content_tokens(normalise("Bonjour, je voudrais créer des entreprises")) == [
        "creer",
        "entreprise",
    ]


def test_a_pasted_essay_is_cut() -> None:
    assert len(normalise("nationalité " * 10_000)) < 3000


def test_every_word_of_the_lexicon_is_read_as_a_word() -> None:
    """YAML reads a bare on, yes or no as a boolean: such a stopword would silently vanish."""
    import yaml

    from knowledge.normalise import SPELLINGS_FILE

    raw = yaml.safe_load(SPELLINGS_FILE.read_text(encoding="utf-8"))
    for section in ("stopwords", "language_cues"):
        for lang, words in raw[section].items():
            assert all(isinstance(w, str) for w in words), (section, lang)
    assert content_tokens(normalise("on yes no douane")) == ["douane"]
