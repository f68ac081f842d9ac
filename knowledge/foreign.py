"""Is a message written in a language the bot does not read? ("n be taa bamako sini", Arabic,
Spanish.)

The FAQ's language detection only chooses between the languages we speak, so a Bambara sentence
with "be" in it came out English. Here a message is "not ours" on strong evidence only, since
answering a real French question with "I don't read this language" would be worse than a "did
you mean": mostly letters of another script; or mostly words none of our texts use AND either
the cue words of a language listed in intents.yaml (`unread_languages`: Bambara and Soninke have
no statistical model here) or the language model naming another language with confidence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from functools import lru_cache

from knowledge.intents import INTENTS_FILE
from knowledge.normalise import lexicon
from knowledge.text import fold
from knowledge.yamlfile import read_yaml

# A message this short says too little to call it foreign ("hola", "gracias" get small talk or
# the FAQ's honest "no sure answer").
MIN_WORDS = 3
# Share of a message's words that none of our texts (FAQ, intents, SMS spellings) use.
MIN_UNKNOWN_SHARE = 0.6
# Cue words of a listed language: at least this many, and this share of the words.
MIN_CUES = 2
MIN_CUE_SHARE = 0.5
# The language model's probability for a language other than ours.
MIN_MODEL_PROBABILITY = 0.9
# Languages the model may name (a short list: the bigger the set, the more a French SMS full
# of abbreviations looks like something else).
MODEL_LANGUAGES = ("fr", "en", "es", "pt", "it", "de", "nl", "ar", "tr", "sw", "ha")


@lru_cache(maxsize=1)
def _cues() -> dict[str, frozenset[str]]:
    raw = read_yaml(INTENTS_FILE) or {}
    return {
        str(lang): frozenset(fold(str(w)) for w in words)
        for lang, words in (raw.get("unread_languages") or {}).items()
    }


@lru_cache(maxsize=1)
def _identifier():  # noqa: ANN202 - py3langid has no type hints
    # Loaded on the first message that looks foreign by its words (~1 s once).
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(MODEL_LANGUAGES))
    return identifier


def _script(text: str) -> str | None:
    """'ar', 'other' when most letters are of another script than Latin; else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 2:
        return None
    names = [unicodedata.name(ch, "") for ch in letters]
    latin = sum(1 for n in names if n.startswith("LATIN"))
    if latin >= len(letters) / 2:
        return None
    arabic = sum(1 for n in names if n.startswith("ARABIC"))
    return "ar" if arabic >= len(letters) / 2 else "other"


def unread_language(text: str, languages: Collection[str], known: Collection[str]) -> str | None:
    """The code of the language `text` is written in when it is none of `languages` (or
    'other'); None when it may well be one of ours. `known`: words our texts use (folded)."""
    script = _script(text)
    if script is not None:
        return None if script in languages else script
    words = [w for w in fold(text).split() if w.isalpha()]
    if len(words) < MIN_WORDS:
        return None
    lex = lexicon()
    unknown = [
        w for w in words if w not in known and w not in lex.spellings and w not in lex.stopwords
    ]
    for lang, cues in _cues().items():
        hits = [w for w in words if w in cues]
        # Cue words French or English also use ("be", "a", "ne") count only beside two that
        # none of our texts use ("taa", "sini").
        own = {w for w in hits if w in unknown}
        if len(own) >= MIN_CUES and len(hits) >= MIN_CUE_SHARE * len(words):
            return None if lang in languages else lang
    if len(unknown) < MIN_UNKNOWN_SHARE * len(words):
        return None
    lang, probability = _identifier().classify(text[:500])
    if lang not in languages and float(probability) >= MIN_MODEL_PROBABILITY:
        return str(lang)
    return None
