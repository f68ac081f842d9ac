"""Which language a short message is written in: French and English, and Bambara and Soninke.

A statistical model alone is weak on three-word SMS ("cmb tps pr 1 ste"): it sees character
n-grams of abbreviations. So the model's vote is added to cheap word cues (SMS spellings and
function words of each language, listed in sms_spellings.yaml), and when neither is sure we keep
the language the person already uses.

Bambara and Soninke are unknown to the model: a small lexicon of their frequent words and
greetings (language_lexicon.yaml) recognises them (`recognise`). A text mostly in one of them is
that language; a few of their words around a French question (a Bambara greeting, then the
question) leave the text French, and say which other language it also holds (`Recognition.also`),
so the bot can offer it. Figures on a held-out list: docs/benchmarks.md, "Languages (issue 18)".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from knowledge.normalise import fold, lexicon
from knowledge.yamlfile import read_yaml

LEXICON_FILE = Path(__file__).parent / "language_lexicon.yaml"
# A text is in a lexicon language when at least this share of its words are that language's.
_LEXICON_SHARE = 0.5

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


@dataclass
class ShortTextLexicon:
    phrases: dict[str, tuple[tuple[str, ...], ...]]  # language -> folded phrases, as words
    words: dict[str, frozenset[str]]  # language -> folded single words

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.words)

    @cached_property
    def phrase_starts(self) -> dict[str, dict[str, tuple[tuple[str, ...], ...]]]:
        """Per language, its phrases by their first word: a message is read once."""
        starts: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}
        for lang, phrases in self.phrases.items():
            table: dict[str, list[tuple[str, ...]]] = {}
            for phrase in phrases:
                table.setdefault(phrase[0], []).append(phrase)
            starts[lang] = {first: tuple(group) for first, group in table.items()}
        return starts


def load_lexicon(path: Path = LEXICON_FILE) -> ShortTextLexicon:
    raw = read_yaml(path) or {}
    cues = lexicon().cues
    # A word that is also a French or English cue would pull French questions into Bambara.
    taken = frozenset().union(*(cues.get(lang, frozenset()) for lang in LANGUAGES))
    phrases, words = {}, {}
    for lang, lists in raw.items():
        phrases[str(lang)] = tuple(
            tuple(fold(str(p)).split()) for p in lists.get("phrases") or () if fold(str(p))
        )
        words[str(lang)] = frozenset(
            folded
            for w in lists.get("words") or ()
            if (folded := fold(str(w))) and folded not in taken
            # "b'a" folds to "b a": kept as a phrase of two words
        ) - {""}
        phrases[str(lang)] += tuple(
            tuple(fold(str(w)).split()) for w in lists.get("words") or () if " " in fold(str(w))
        )
    return ShortTextLexicon(phrases, words)


@lru_cache(maxsize=1)
def short_text_lexicon() -> ShortTextLexicon:
    return load_lexicon()


def _coverage(tokens: list[str], lex: ShortTextLexicon) -> dict[str, set[int]]:
    """Per lexicon language, the positions of `tokens` that are its words (in a phrase or
    alone); languages with none are left out."""
    found: dict[str, set[int]] = {}
    for lang in lex.languages:
        covered: set[int] = set()
        by_first = lex.phrase_starts.get(lang, {})
        own = lex.words.get(lang, frozenset())
        for i, token in enumerate(tokens):
            if token in own:
                covered.add(i)
            for phrase in by_first.get(token, ()):
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    covered.update(range(i, i + len(phrase)))
        if covered:
            found[lang] = covered
    return found


def lexicon_hits(text: str, lex: ShortTextLexicon | None = None) -> tuple[int, dict[str, int]]:
    """The number of words of `text`, and per lexicon language how many of them are its own
    (a word inside one of its phrases, or one of its single words)."""
    tokens = fold(text[:2000]).split()
    coverage = _coverage(tokens, lex or short_text_lexicon())
    return len(tokens), {lang: len(covered) for lang, covered in coverage.items()}


def question_part(text: str) -> str:
    """`text` without its words of the lexicon's languages, folded ("i ni ce, comment envoyer
    de l'argent" -> "comment envoyer de l argent"): what the FAQ should search, since a greeting's
    words only blur the question. `text` itself when it has none of them, or nothing else."""
    tokens = fold(text[:2000]).split()
    coverage = _coverage(tokens, short_text_lexicon())
    if not coverage:
        return text
    covered = set().union(*coverage.values())
    rest = [token for i, token in enumerate(tokens) if i not in covered]
    return " ".join(rest) if rest else text


@dataclass(frozen=True)
class Recognition:
    language: str | None  # None: the text does not tell (keep the person's language)
    also: tuple[str, ...] = ()  # lexicon languages present in a text of another language


def recognise(text: str, vocabulary: Mapping[str, frozenset[str]] | None = None) -> Recognition:
    """The language of a short text among French, English and the lexicon's languages."""
    total, hits = lexicon_hits(text)
    if hits:
        best = max(hits, key=lambda lang: hits[lang])
        if hits[best] >= _LEXICON_SHARE * total:
            return Recognition(best)
    try:
        evidence = french_evidence(text, vocabulary)
    except Exception:  # noqa: BLE001 - recognition must never break a reply
        evidence = 0.0
    also = tuple(sorted(hits, key=lambda lang: -hits[lang]))
    if evidence >= _MIN_MARGIN:
        return Recognition("fr", also)
    if evidence <= -_MIN_MARGIN:
        return Recognition("en", also)
    if also:  # undecided between French and English, with some Bambara words: Bambara
        return Recognition(also[0])
    return Recognition(None)
