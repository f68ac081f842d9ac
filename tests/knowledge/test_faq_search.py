"""Conversations with a small FAQ of our own: outcomes, language, robustness."""

from __future__ import annotations

import pytest

from knowledge.faq import FaqIndex, Match


def test_sms_french_finds_the_company_entry_and_answers_in_french(small_faq: FaqIndex) -> None:
    match = small_faq.search("cmb de tps pr creer 1 sté o mali", lang_hint="en")
    assert match.outcome == "answer"
    assert match.entry is not None and match.entry.id == "investment_company"
    assert match.lang == "fr"
    assert "72" in match.entry.sms[match.lang]


def test_english_question_gets_english_even_from_a_french_speaker(small_faq: FaqIndex) -> None:
    match = small_faq.search("if I become a British citizen do I lose my Malian one?", "fr")
    assert (match.outcome, match.lang) == ("answer", "en")
    assert match.entry is not None and match.entry.id == "nationality_dual"


def test_typos_and_missing_accents(small_faq: FaqIndex) -> None:
    match = small_faq.search("double nationnalité possble ?")
    assert match.entry is not None and match.entry.id == "nationality_dual"


@pytest.mark.parametrize("question", ["investir au mali", "nationalité ou vote ?"])
def test_a_vague_question_offers_choices_not_an_answer(small_faq: FaqIndex, question: str) -> None:
    match = small_faq.search(question)
    assert match.outcome == "unsure"
    assert 1 <= len(match.suggestions) <= 3
    scores = [score for _, score in match.suggestions]
    assert scores == sorted(scores, reverse=True)
    assert match.score == scores[0]


@pytest.mark.parametrize(
    "question",
    ["weather in Bamako", "recette du tiguadege na", "solve 2x+3=7", "football Mali Senegal"],
)
def test_out_of_scope_is_never_answered(small_faq: FaqIndex, question: str) -> None:
    assert small_faq.search(question).outcome != "answer"


def test_ambiguous_language_follows_the_hint(small_faq: FaqIndex) -> None:
    assert small_faq.search("API-Mali", "en").lang == "en"
    assert small_faq.search("API-Mali", "fr").lang == "fr"
    assert small_faq.search("API-Mali", None).lang == "fr"


@pytest.mark.parametrize(
    "question",
    [
        "",
        " \t\n",
        "x" * 10_000,
        "nationalité " * 2_000,
        "🇲🇱🙏🔥" * 50,
        "\x00\x01\x1b[31m\x7f",
        "مرحبا كيف يمكنني الحصول على الجنسية",
        "שלום",
        "'; DROP TABLE faq; --",
        "<script>alert(1)</script><b>nationalité</b>",
        "\ud800",  # a lone surrogate, as broken clients send
        "72",
    ],
)
def test_search_never_raises(small_faq: FaqIndex, question: str) -> None:
    match = small_faq.search(question, lang_hint="en")
    assert isinstance(match, Match)
    assert match.outcome in ("answer", "unsure", "none")
    assert match.lang in ("fr", "en")
    assert 0.0 <= match.score <= 100.0


def test_nonsense_gets_nothing(small_faq: FaqIndex) -> None:
    match = small_faq.search("zxqv wplk")
    assert (match.outcome, match.entry, match.suggestions) == ("none", None, ())


def test_an_empty_knowledge_base_answers_nothing(tmp_path) -> None:
    index = FaqIndex.load(tmp_path, semantic=False)
    assert index.entries == {} and index.topics == []
    assert index.search("double nationalité").outcome == "none"


def test_topics_list_their_entries_in_file_order(small_faq: FaqIndex) -> None:
    topics = {t.id: t.entry_ids for t in small_faq.topics}
    assert topics == {
        "investment": ("investment_company", "investment_land"),
        "nationality": ("nationality_dual", "nationality_vote"),
    }


def test_entries_carry_what_the_handlers_need(small_faq: FaqIndex) -> None:
    entry = small_faq.entries["investment_company"]
    assert entry.forum == "fidima"
    assert entry.related == ()
    assert entry.title == {"fr": "Créer une entreprise", "en": "Starting a company"}
    # No sms in the file: derived from the answer's first sentences.
    assert entry.sms["en"].startswith("At the API-Mali one-stop shop")
    assert small_faq.entries["nationality_dual"].related == ("nationality_vote",)
    assert {small_faq.entries["nationality_dual"]} == {small_faq.entries["nationality_dual"]}


@pytest.mark.parametrize("question", ["quelle heure est il", "heures", "what time is it, hours?"])
def test_one_word_a_variant_happens_to_use_is_no_answer(
    small_faq: FaqIndex, question: str
) -> None:
    """ "72 heures" is how fast a company is made, not what the entry is about."""
    assert small_faq.search(question).outcome != "answer"


def test_the_words_an_entry_is_about_still_answer_alone(small_faq: FaqIndex) -> None:
    match = small_faq.search("guichet unique")
    assert match.outcome == "answer"
    assert match.entry is not None and match.entry.id == "investment_company"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Bonsoir. Ma famille habite a Kita, mon grand frere cultive le mil et ma soeur "
            "tient un petit restaurant pres du marche, moi je suis soudeur a Marseille depuis "
            "longtemps. "
            "Combien de temps pour creer une entreprise au Mali ?",
            "investment_company",
        ),
        (
            "Hello. My grandmother raised me in Segou, I studied mechanics in Lille, and I now "
            "repair engines for trucks near Rotterdam. Can I keep my Malian nationality if I "
            "become Dutch?",
            "nationality_dual",
        ),
    ],
)
def test_a_long_story_is_answered_by_the_question_at_its_end(
    small_faq: FaqIndex, question: str, expected: str
) -> None:
    match = small_faq.search(question)
    assert match.outcome == "answer"
    assert match.entry is not None and match.entry.id == expected


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("national employment agency", "en"),
        ("smugglers promises", "en"),
        ("exoneration douaniere", "fr"),
        ("codeveloppement", "fr"),
    ],
)
def test_words_only_one_language_of_the_faq_uses_tell_the_language(
    question: str, lang: str
) -> None:
    other = "fr" if lang == "en" else "en"
    assert FaqIndex.load().search(question, lang_hint=other).lang == lang


def test_meaning_never_drops_what_words_found(small_faq) -> None:
    """Issue 13: "none" only when neither signal has anything; words' best stays offered."""
    from knowledge.faq import Match, _keep_candidates

    entries = list(small_faq.entries.values())
    words = Match("unsure", None, 40.0, "fr", ((entries[0], 40.0), (entries[1], 35.0)))
    assert _keep_candidates(Match("none", None, 20.0, "fr"), words) is words
    mixed = Match("unsure", None, 45.0, "fr", ((entries[2], 45.0), (entries[3], 41.0)))
    kept = [e.id for e, _ in _keep_candidates(mixed, words).suggestions]
    assert kept[0] == entries[2].id and entries[0].id in kept
    answer = Match("answer", entries[1], 60.0, "fr")
    assert _keep_candidates(answer, words) is answer
