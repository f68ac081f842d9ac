"""Finding the FAQ entry a person's question is about, and saying how sure we are.

A wrong but confident answer about nationality law is worse than none, so a search has three
outcomes: "answer" when one entry clearly wins, "unsure" with up to three choices when some
entries fit but none clearly, "none" when nothing fits (weather, football, homework...).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from knowledge.faq_entries import LANGUAGES, Entry, Topic, load_faq
from knowledge.language import detect_language
from knowledge.lexical import LexicalIndex
from knowledge.normalise import content_tokens, normalise

__all__ = ["Entry", "FaqIndex", "Match", "Topic", "detect_language", "normalise"]

logger = logging.getLogger(__name__)

# Thresholds on the 0-100 score, tuned on tests/knowledge/faq_eval.yaml (see docs/benchmarks.md).
ANSWER_SCORE = 55.0  # at or above, with a clear lead: answer
ANSWER_LEAD = 8.0  # points the best entry must lead the runner-up by to be answered outright
UNSURE_SCORE = 35.0  # at or above: "did you mean" with the candidates above this
MAX_SUGGESTIONS = 3
# Weight of question coverage against variant coverage in the word-overlap score.
COVERAGE_BALANCE = 0.5
# Share of the final score from rapidfuzz's string similarity (the rest is word overlap).
FUZZY_SHARE = 0.3
# Entries re-scored with rapidfuzz: the best by word overlap; the rest cannot win.
RERANK = 12
# Content words kept from one question: a pasted essay is still one question.
MAX_TOKENS = 60


@dataclass(frozen=True)
class Match:
    outcome: str  # "answer" | "unsure" | "none"
    entry: Entry | None  # best entry when outcome == "answer"
    score: float  # 0-100, of the best candidate
    lang: str  # "fr" | "en": language to answer in
    suggestions: tuple[tuple[Entry, float], ...] = ()  # up to 3 when "unsure"


class FaqIndex:
    def __init__(self, topics: list[Topic], entries: dict[str, Entry]) -> None:
        self.topics = topics
        self.entries = entries
        self._order: list[Entry] = list(entries.values())
        docs: list[tuple[int, list[str]]] = []
        texts: list[str] = []
        for i, entry in enumerate(self._order):
            for text in _entry_texts(entry):
                tokens = [t for t in content_tokens(normalise(text)) if len(t) > 1]
                if tokens:
                    docs.append((i, tokens))
                    texts.append(" ".join(tokens))
        self._lexical = LexicalIndex(docs, len(self._order))
        self._doc_texts = texts
        self._entry_docs: list[list[int]] = [[] for _ in self._order]
        for d, (i, _) in enumerate(docs):
            self._entry_docs[i].append(d)

    @classmethod
    def load(cls, directory: Path | None = None) -> FaqIndex:
        """The index of every FAQ file in `directory` (default: the package's knowledge/faq)."""
        topics, entries = load_faq(directory)
        return cls(topics, entries)

    def search(self, question: str, lang_hint: str | None = None) -> Match:
        """The entry `question` asks about, or choices, or nothing. Never raises."""
        fallback = lang_hint if lang_hint in LANGUAGES else "fr"
        try:
            lang = detect_language(question, fallback)
            return self._search(question, lang)
        except Exception:  # a bad input must cost an "I don't know", never the conversation
            logger.exception("FAQ search failed")
            return Match("none", None, 0.0, fallback)

    def _search(self, question: str, lang: str) -> Match:
        tokens = [t for t in content_tokens(normalise(question)) if len(t) > 1][:MAX_TOKENS]
        if not tokens or not self._order:
            return Match("none", None, 0.0, lang)
        scores = self.score(tokens)
        ranked = np.argsort(-scores)[:RERANK]
        ranked = [int(i) for i in ranked if scores[i] > 0]
        if not ranked:
            return Match("none", None, 0.0, lang)
        best = ranked[0]
        best_score = float(scores[best])
        runner_up = float(scores[ranked[1]]) if len(ranked) > 1 else 0.0
        if best_score >= ANSWER_SCORE and best_score - runner_up >= ANSWER_LEAD:
            return Match("answer", self._order[best], round(best_score, 1), lang)
        if best_score >= UNSURE_SCORE:
            suggestions = tuple(
                (self._order[i], round(float(scores[i]), 1))
                for i in ranked[:MAX_SUGGESTIONS]
                if scores[i] >= UNSURE_SCORE
            )
            return Match("unsure", None, round(best_score, 1), lang, suggestions)
        return Match("none", None, round(best_score, 1), lang)

    def score(self, tokens: list[str]) -> np.ndarray:
        """0-100 per entry (in load order): word overlap, re-scored with string similarity."""
        lexical = self._lexical.score_entries(tokens, COVERAGE_BALANCE)
        if FUZZY_SHARE <= 0:
            return lexical
        scores = lexical * (1.0 - FUZZY_SHARE)
        query = " ".join(tokens)
        for i in np.argsort(-lexical)[:RERANK]:
            if lexical[i] <= 0:
                break
            similarity = max(
                fuzz.token_sort_ratio(query, self._doc_texts[d]) for d in self._entry_docs[i]
            )
            scores[i] += FUZZY_SHARE * similarity
        return scores


def _entry_texts(entry: Entry) -> list[str]:
    texts: list[str] = []
    for lang in LANGUAGES:
        texts.extend(entry.questions.get(lang, ()))
        texts.extend(entry.keywords.get(lang, ()))
        if entry.title.get(lang):
            texts.append(entry.title[lang])
    return texts
