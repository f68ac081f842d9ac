"""Folding of what people type into the words the FAQ uses.

One function, `normalise`, is applied to both sides of every comparison (the FAQ's question
variants and keywords, and the person's message), so a rule only has to be right once. Its data,
SMS spellings and synonyms, lives in `sms_spellings.yaml` so it can be extended without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.text import fold
from knowledge.yamlfile import read_yaml

SPELLINGS_FILE = Path(__file__).parent / "sms_spellings.yaml"

# "l'etat", "qu'il", "j'ai": the apostrophe becomes a space, so "l" and "etat" are two tokens.
# Digits glued to letters ("1sté", "72h") are split so the number stays a token of its own.
_DIGIT_LETTER = re.compile(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])")


@dataclass(frozen=True)
class Lexicon:
    """The contents of sms_spellings.yaml, folded and ready to apply."""

    spellings: dict[str, str]
    synonyms: dict[tuple[str, ...], str]  # phrase as tokens -> canonical (already folded)
    longest_synonym: int
    synonym_words: frozenset[str]  # every word of a synonym or its canonical: known words
    stopwords: frozenset[str]
    cues: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = read_yaml(SPELLINGS_FILE) or {}
    spellings = {fold(str(k)): fold(str(v)) for k, v in (raw.get("spellings") or {}).items()}
    synonyms: dict[tuple[str, ...], str] = {}
    for canonical, variants in (raw.get("synonyms") or {}).items():
        target = fold(str(canonical))
        for variant in variants or ():
            key = tuple(fold(str(variant)).split())
            if key and " ".join(key) != target:
                synonyms[key] = target
    stop: set[str] = set()
    for words in (raw.get("stopwords") or {}).values():
        stop.update(fold(str(w)) for w in words)
    cues = {
        lang: frozenset(fold(str(w)) for w in words)
        for lang, words in (raw.get("language_cues") or {}).items()
    }
    return Lexicon(
        spellings=spellings,
        synonyms=synonyms,
        longest_synonym=max((len(k) for k in synonyms), default=1),
        synonym_words=frozenset(w for k, v in synonyms.items() for w in (*k, *v.split())),
        stopwords=frozenset(stop),
        cues=cues,
    )


def _respell(tokens: list[str], spellings: dict[str, str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token in spellings:
            out.extend(spellings[token].split())
            continue
        # Digit-bearing SMS words ("b4", "combi1") were looked up whole above; others are split.
        for part in _DIGIT_LETTER.sub(" ", token).split():
            out.extend(spellings.get(part, part).split())
    return out


def apply_synonyms(tokens: list[str]) -> list[str]:
    """Tokens with every listed synonym (the longest phrase first) replaced by its canonical."""
    lex = lexicon()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(lex.longest_synonym, len(tokens) - i), 0, -1):
            canonical = lex.synonyms.get(tuple(tokens[i : i + size]))
            if canonical is not None:
                out.extend(canonical.split())
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def spelled_tokens(text: str) -> list[str]:
    """Folded tokens with SMS spellings expanded, before synonyms (language detection uses it)."""
    return _respell(fold(text).split(), lexicon().spellings)


def normalise(text: str) -> str:
    """The folding used for matching: case, accents, punctuation, SMS spellings, synonyms."""
    return " ".join(apply_synonyms(spelled_tokens(text)))


def content_tokens(normalised: str) -> list[str]:
    """The words of a normalised text that say what it is about: no stopwords, no single
    letters, plurals stemmed."""
    stop = lexicon().stopwords
    return [stem(t) for t in normalised.split() if t not in stop and len(t) > 1]


def stem(token: str) -> str:
    """Strip a plural: enough for matching "entreprises" with "entreprise", both languages.

    Both sides go through it, so an odd stem ("temps" -> "temp") still matches itself.
    """
    if len(token) > 4 and token[-1] in "sx" and token[-2] != "s":
        return token[:-1]
    return token
