"""What a person wants to do ("jveu recevoir les messages chaque semaine": subscribe), and small
talk ("merci bcp", "i ni ce", "👍"), read from knowledge/intents.yaml.

It reuses the FAQ's text tools, so a rule is right once for both: `fold`, the SMS spellings of
sms_spellings.yaml (`spelled_tokens`), the typo corrector and the word-overlap index (rare words
weigh more, a message must be mostly about a phrasing, words no phrasing uses count against it).
Negation words fold into one marker, because "je ne veux plus recevoir" is the opposite of "je
veux recevoir" and they share every other word: an intent must never be read as its opposite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.lexical import LexicalIndex, stem
from knowledge.normalise import spelled_tokens
from knowledge.text import fold
from knowledge.typos import TypoCorrector
from knowledge.yamlfile import read_yaml

INTENTS_FILE = Path(__file__).parent / "intents.yaml"
NEGATION = "negation"
# Small talk: answered with a friendly line, never a knowledge gap (handlers/intents.py).
SMALL_TALK = frozenset({"greeting", "thanks", "ok", "laugh", "bye", "emoji"})
# Where an intent starts (0-100 word-overlap score), and how far it must lead the next intent.
# Tuned on the phrasings of intents.yaml against the FAQ's question sets (none may be read as an
# intent); measured on tests/knowledge/intents_heldout.yaml: docs/benchmarks.md, issue 13.
MIN_SCORE = 55.0
MIN_LEAD = 8.0
# Intents looked at beyond the best (the negation filter may set the best ones aside).
RANKED = 5
# FAQ idf from which a word names a subject of its own (used by 3 of 48 entries or fewer).
RARE_FAQ_WORD = 2.8
# Messages longer than this are questions or stories, not "I want to subscribe".
MAX_WORDS = 14
# Weight of the message's coverage against the phrasing's (as the FAQ's COVERAGE_BALANCE).
BALANCE = 0.55
_PARTS = re.compile(r"[,.;!?\n]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "merciii", "mdrrrr", "okkkk"


@dataclass(frozen=True)
class IntentMatch:
    intent: str
    score: float  # 0-100; 100 for a whole-message short phrasing or an emoji-only message
    lang: str | None  # the language of the phrasing matched, None for short ones and emoji


@dataclass(frozen=True)
class _Negation:
    always: frozenset[str]
    plus_words: frozenset[str]
    plus_after: frozenset[str]


def _squeeze(folded: str) -> str:
    return _REPEATS.sub(r"\1", folded)


def is_emoji_only(text: str) -> bool:
    """No letter or digit, but something: "👍", "🙏🙏", ":)", "❤️"."""
    stripped = text.strip()
    return bool(stripped) and not any(ch.isalnum() for ch in stripped)


class IntentIndex:
    def __init__(
        self,
        intents: dict[str, dict[str, list[str]]],
        negation: _Negation,
        known_words: Iterable[str] = (),
        *,
        synonyms: dict[str, str] | None = None,
        softeners: Iterable[str] = (),
        filler: Iterable[str] = (),
        rarity: Callable[[str], float] | None = None,
    ) -> None:
        self._negation = negation
        self._synonyms = synonyms or {}
        self._softeners = frozenset(softeners)
        # Function words that say nothing about the intent (the overlap index weighs the rest).
        self._filler = frozenset(filler)
        # How specific a word is to a few FAQ entries (FaqIndex.word_rarity): such a word that
        # the intent's phrasings never use makes the message a question ("c'est quoi le
        # FIDIMA" is not "c'est quoi ce numero").
        self._rarity = rarity or (lambda _word: 0.0)
        self.names: list[str] = list(intents)
        self._short: dict[str, str] = {}
        docs: list[tuple[int, list[str]]] = []
        self._doc_lang: list[str] = []
        vocabulary: set[str] = set(known_words)
        # What people say, per intent and language ("short": whole messages).
        self.phrasings: dict[str, dict[str, list[str]]] = {
            name: {lang: p for lang, p in by_lang.items() if lang != "anchors"}
            for name, by_lang in intents.items()
        }
        # Small talk said with one word ("mrc"): its intent, to read "mrc bcp", "dac merci".
        self._short_words: dict[str, str] = {}
        # Words one of which a message must use to be read as the intent (intents.yaml).
        self._anchors: dict[int, frozenset[str]] = {}
        for i, (name, by_lang) in enumerate(intents.items()):
            if by_lang.get("anchors"):
                self._anchors[i] = frozenset(fold(w) for w in by_lang["anchors"])
            for phrase in by_lang.get("short", ()):
                key = self._short_key(phrase)
                self._short[key] = name
                if " " not in key:
                    self._short_words.setdefault(key, name)
            for lang, phrases in by_lang.items():
                if lang in ("short", "anchors"):
                    continue
                for phrase in phrases:
                    spelled = spelled_tokens(phrase)
                    vocabulary.update(spelled)
                    tokens = self._marked(spelled)
                    if tokens:
                        docs.append((i, tokens))
                        self._doc_lang.append(lang)
        self._typos = TypoCorrector(vocabulary)
        self.known_words = frozenset(vocabulary)
        # The FAQ's words: one of them that the intent's phrasings never use makes the message a
        # question ("c'est quoi le FIDIMA" is not "c'est quoi ce numéro").
        self._intent_stems: list[set[str]] = [set() for _ in self.names]
        for owner, tokens in docs:
            self._intent_stems[owner].update(stem(t) for t in tokens)
        self._lexical = LexicalIndex(docs, len(self.names))
        self._docs = docs

    @classmethod
    def load(
        cls,
        path: Path = INTENTS_FILE,
        known_words: Iterable[str] = (),
        rarity: Callable[[str], float] | None = None,
    ) -> IntentIndex:
        raw = read_yaml(path) or {}
        neg = raw.get("negation") or {}
        negation = _Negation(
            frozenset(fold(str(w)) for w in neg.get("always", ())),
            frozenset(fold(str(w)) for w in neg.get("plus_words", ())),
            frozenset(fold(str(w)) for w in neg.get("plus_after", ())),
        )
        intents = {
            str(name): {str(lang): [str(p) for p in phrases or ()] for lang, phrases in v.items()}
            for name, v in (raw.get("intents") or {}).items()
        }
        synonyms = {
            fold(str(variant)): fold(str(canonical))
            for canonical, variants in (raw.get("synonyms") or {}).items()
            for variant in variants or ()
        }
        softeners = [fold(str(w)) for w in raw.get("softeners") or ()]
        return cls(
            intents,
            negation,
            known_words,
            synonyms=synonyms,
            softeners=softeners,
            filler=[fold(str(w)) for w in raw.get("filler") or ()],
            rarity=rarity,
        )

    def _short_key(self, text: str) -> str:
        return " ".join(spelled_tokens(_squeeze(fold(text))))

    def _marked(self, spelled: list[str]) -> list[str]:
        """Tokens without filler, negation words as one marker."""
        out: list[str] = []
        previous = ""
        words = [w for t in spelled for w in self._synonyms.get(t, t).split()]
        for token in words:
            if token in self._negation.always or (
                token in self._negation.plus_words and previous in self._negation.plus_after
            ):
                out.append(NEGATION)
            elif token not in self._filler:
                out.append(token)
            previous = token
        return out

    def match(self, text: str) -> IntentMatch | None:
        """The intent `text` expresses, or None (then it is a question for the FAQ)."""
        if is_emoji_only(text):
            return IntentMatch("emoji", 100.0, None)
        folded = _squeeze(fold(text))
        if not folded:
            return None
        spelled = spelled_tokens(folded)
        short = self._short.get(" ".join(spelled)) or self._small_talk_words(spelled)
        if short is None:  # "barika, aw ni ce": small talk in several parts
            parts = [
                self._short.get(" ".join(spelled_tokens(_squeeze(fold(part)))))
                for part in _PARTS.split(text)
                if fold(part)
            ]
            if len(parts) > 1 and all(parts):
                short = parts[0]
        if short is not None:
            return IntentMatch(short, 100.0, None)
        if len(spelled) > MAX_WORDS:
            return None
        tokens = self._marked(self._typos.correct_all(spelled))
        if not tokens:
            return None
        scores = self._lexical.score_entries(tokens, BALANCE)
        # An intent whose closest phrasing says "not" when the message does not (or the
        # reverse) is out of the running: "je ne veux plus recevoir" shares every other word
        # with "je veux recevoir", and must never be read as it, nor be kept from its own
        # intent by it.
        ranked = [
            int(i)
            for i in np.argsort(-scores)[:RANKED]
            if scores[i] > 0 and self._negation_agrees(tokens, int(i))
        ]
        if not ranked:
            return None
        best = ranked[0]
        runner_up = float(scores[ranked[1]]) if len(ranked) > 1 else 0.0
        score = float(scores[best])
        if score < MIN_SCORE or score - runner_up < MIN_LEAD:
            return None
        anchors = self._anchors.get(best)
        if anchors is not None and not anchors & set(tokens):
            return None
        if any(
            len(t) > 3
            and stem(t) not in self._intent_stems[best]
            and self._rarity(t) >= RARE_FAQ_WORD
            for t in tokens
        ):
            return None
        return IntentMatch(self.names[best], round(score, 1), self._best_lang(tokens, best))

    def _small_talk_words(self, spelled: list[str]) -> str | None:
        """ "mrc bcp", "dac merci", "merci beaucoup monsieur": one-word small talk with
        softeners around it; the intent of its first small-talk word."""
        kinds = [self._short_words.get(t) for t in spelled if t not in self._softeners]
        if kinds and all(kinds):
            return kinds[0]
        return None

    def _negation_agrees(self, tokens: list[str], intent: int) -> bool:
        negated = NEGATION in tokens
        stems = {t[:6] for t in tokens}
        best_overlap, agrees = -1, True
        for (owner, doc), _lang in zip(self._docs, self._doc_lang, strict=True):
            if owner != intent:
                continue
            overlap = len(stems & {t[:6] for t in doc})
            if overlap > best_overlap:
                best_overlap, agrees = overlap, (NEGATION in doc) == negated
        return agrees

    def _best_lang(self, tokens: list[str], intent: int) -> str | None:
        stems = {t[:6] for t in tokens}
        best, lang = -1, None
        for (owner, doc), doc_lang in zip(self._docs, self._doc_lang, strict=True):
            if owner == intent:
                overlap = len(stems & {t[:6] for t in doc})
                if overlap > best:
                    best, lang = overlap, doc_lang
        return lang


@lru_cache(maxsize=1)
def default_intents() -> IntentIndex:
    return IntentIndex.load()


def intents_of(knowledge: object) -> IntentIndex:
    """The knowledge's intents, or the shipped ones (for knowledge built without them)."""
    return getattr(knowledge, "intents", None) or default_intents()
