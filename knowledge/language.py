"""Which of French and English a short message is written in.

A statistical model alone is weak on three-word SMS ("cmb tps pr 1 ste"): it sees character
n-grams of abbreviations. So the model's vote is added to cheap word cues (SMS spellings and
function words of each language, listed in sms_spellings.yaml), and when neither is sure we keep
the language the person already uses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from knowledge.normalise import fold, lexicon

LANGUAGES = ("fr", "en")

# Letters only French uses here; one is strong evidence, since English questions have none.
_FRENCH_LETTERS = frozenset("éèêëàâçîïôûùœ")
# Below this margin (in the model's log-odds plus cue votes) the text is treated as undecided.
_MIN_MARGIN = 1.0
_CUE_WEIGHT = 1.5
# A word only one language's FAQ texts use ("mining", "binationalite") is weaker evidence than a
# listed cue, but keyword questions ("mining code mali") often have nothing else.
_VOCABULARY_WEIGHT = 1.0
_ACCENT_WEIGHT = 3.0


@lru_cache(maxsize=1)
def _identifier():  # noqa: ANN202 - py3langid has no type hints
    # Loaded on first use: it costs ~0.8 s, which a CLI command that never detects should not pay.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def _model_log_odds(text: str) -> float:
    """log(P(fr) / P(en)) by the model; 0 when it cannot tell."""
    lang, prob = _identifier().classify(text)
    prob = min(max(float(prob), 1e-6), 1 - 1e-6)
    odds = math.log(prob / (1 - prob))
    return odds if lang == "fr" else -odds


def vocabulary_of(texts: Mapping[str, list[str]]) -> dict[str, frozenset[str]]:
    """Per language, the folded words (3 letters or more) that only its texts use."""
    words = {
        lang: {w for text in items for w in fold(text).split() if len(w) > 2 and w.isalpha()}
        for lang, items in texts.items()
    }
    return {
        lang: frozenset(own - set().union(*(w for other, w in words.items() if other != lang)))
        for lang, own in words.items()
    }


def french_evidence(text: str, vocabulary: Mapping[str, frozenset[str]] | None = None) -> float:
    """Positive for French, negative for English, near 0 when undecided.

    `vocabulary`: words only French (or only English) texts use, e.g. the FAQ's (vocabulary_of).
    """
    folded = fold(text)
    if not folded:
        return 0.0
    cues = lexicon().cues
    tokens = folded.split()
    fr_hits = sum(1 for t in tokens if t in cues.get("fr", ()))
    en_hits = sum(1 for t in tokens if t in cues.get("en", ()))
    score = _CUE_WEIGHT * (fr_hits - en_hits)
    if vocabulary:
        fr_words, en_words = vocabulary.get("fr", frozenset()), vocabulary.get("en", frozenset())
        score += _VOCABULARY_WEIGHT * (
            sum(1 for t in tokens if t in fr_words) - sum(1 for t in tokens if t in en_words)
        )
    if any(ch in _FRENCH_LETTERS for ch in text[:2000].lower()):
        score += _ACCENT_WEIGHT
    # The model reads the original text: accents and apostrophes are signal for it.
    score += _model_log_odds(text[:2000])
    return score


def detect_language(
    text: str, fallback: str, vocabulary: Mapping[str, frozenset[str]] | None = None
) -> str:
    """ "fr" or "en": the language of `text`, or `fallback` when the text does not tell."""
    if fallback not in LANGUAGES:
        fallback = "fr"
    try:
        evidence = french_evidence(text, vocabulary)
    except Exception:  # noqa: BLE001 - detection must never break a reply; fall back instead
        return fallback
    if evidence >= _MIN_MARGIN:
        return "fr"
    if evidence <= -_MIN_MARGIN:
        return "en"
    return fallback
