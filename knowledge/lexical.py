"""Word-overlap scoring of a question against the FAQ's question variants and keywords.

Each variant is a bag of stems weighted by rarity (idf over entries). A question scores against a
variant by how much of the variant it covers and how much of itself the variant explains: the
first rewards "my uncle in Paris says... can I keep my nationality?", the second is what stops
"weather in Bamako" from matching an entry that merely mentions Bamako. Words people misspell are
mapped to the nearest known word with rapidfuzz before weighting.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

# Truncation stemming: "investir", "investissement", "investment", "investor" share "invest".
# Six letters keep "nation(alite)" apart from "natur(alisation)" and "migra" apart from "migre".
STEM_LENGTH = 6
# Unknown words weigh like the rarest known word: a question about something the FAQ never
# mentions ("weather", "recipe") must lose coverage for it.
_UNKNOWN_BOOST = 1.0
# How close a misspelt word must be to a known one (rapidfuzz ratio) to count as it.
_CORRECTION_CUTOFF = {4: 88.0, 5: 85.0, 6: 80.0}


def stem(token: str) -> str:
    return token[:STEM_LENGTH]


@dataclass(frozen=True)
class Doc:
    entry: int  # index of the entry this text belongs to
    stems: frozenset[str]
    weight: float  # sum of idf of its stems


class LexicalIndex:
    """Inverted index from stems to the variants (docs) that contain them."""

    def __init__(self, docs: list[tuple[int, list[str]]], n_entries: int) -> None:
        entries_with: dict[str, set[int]] = defaultdict(set)
        for entry, tokens in docs:
            for token in tokens:
                entries_with[stem(token)].add(entry)
        n = max(n_entries, 1)
        # idf over entries, not variants: an entry that repeats a word in all its variants
        # must not make that word look common.
        self.idf = {s: math.log(1.0 + n / len(es)) for s, es in entries_with.items()}
        self.unknown_idf = math.log(1.0 + n) * _UNKNOWN_BOOST
        self.vocabulary = sorted({t for _, tokens in docs for t in tokens})
        self._known_tokens = frozenset(self.vocabulary)
        self.docs: list[Doc] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for entry, tokens in docs:
            stems = frozenset(stem(t) for t in tokens)
            self.docs.append(Doc(entry, stems, sum(self.idf[s] for s in stems)))
            for s in stems:
                postings[s].append(len(self.docs) - 1)
        self.postings = {s: np.array(ids, dtype=np.int32) for s, ids in postings.items()}
        self.doc_entry = np.array([d.entry for d in self.docs], dtype=np.int32)
        self.doc_weight = np.array([d.weight for d in self.docs], dtype=np.float64)
        self.n_entries = n

    def correct(self, token: str) -> tuple[str, float]:
        """The known word `token` most likely stands for, with a confidence in 0-1."""
        if token in self._known_tokens or stem(token) in self.idf or token.isdigit():
            return token, 1.0
        if len(token) < 4:
            return token, 1.0
        cutoff = _CORRECTION_CUTOFF[min(len(token), 6)]
        found = process.extractOne(
            token, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff
        )
        if found is None:
            return token, 1.0
        return found[0], found[1] / 100.0

    def query_weights(self, tokens: list[str]) -> dict[str, float]:
        """Stem -> weight for the question's words, typos corrected, repeats counted once."""
        weights: dict[str, float] = {}
        for token in tokens:
            word, confidence = self.correct(token)
            s = stem(word)
            idf = self.idf.get(s)
            weight = self.unknown_idf if idf is None else idf * confidence
            weights[s] = max(weights.get(s, 0.0), weight)
        return weights

    def score_entries(self, tokens: list[str], balance: float) -> np.ndarray:
        """Per entry, 0-100: the best variant's blend of the two coverages.

        `balance` in 0-1 weighs question coverage against variant coverage (geometric blend).
        """
        best = np.zeros(self.n_entries)
        weights = self.query_weights(tokens)
        total = sum(weights.values())
        if total <= 0:
            return best
        matched = np.zeros(len(self.docs))
        for s, w in weights.items():
            ids = self.postings.get(s)
            if ids is not None:
                matched[ids] += w
        hit = np.nonzero(matched)[0]
        if hit.size == 0:
            return best
        q_cover = np.minimum(matched[hit] / total, 1.0)
        d_cover = np.minimum(matched[hit] / self.doc_weight[hit], 1.0)
        scores = 100.0 * q_cover**balance * d_cover ** (1.0 - balance)
        np.maximum.at(best, self.doc_entry[hit], scores)
        return best
