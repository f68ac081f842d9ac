"""Word-overlap scoring of a question against the FAQ's question variants and keywords.

Each variant is a bag of stems weighted by rarity (idf over entries). A question scores against a
variant by how much of the variant it covers and how much of itself the variant explains: the
first rewards "my uncle in Paris says... can I keep my nationality?", the second is what stops
"weather in Bamako" from matching an entry that merely mentions Bamako.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

# Truncation stemming: "investir", "investissement", "investment", "investor" share "invest".
# Six letters keep "nation(alite)" apart from "natur(alisation)" and "migra" apart from "migre".
STEM_LENGTH = 6
# Unknown words weigh like the rarest known word: a question about something the FAQ never
# mentions ("weather", "recipe") must lose coverage for it.
_UNKNOWN_BOOST = 1.3
# Known-word idf at which a question carries full evidence: a word specific to one or two
# entries, or several shared ones. See `evidence`.
EVIDENCE_IDF = 3.0
EVIDENCE_POWER = 0.5
# How many of an entry's texts (variants, keywords, title) must use a stem for it to be one of
# the entry's topical words, and the idf of topical words that anchors an answer: one rare word
# (idf ~3.9) or two shared ones. See `anchored`.
TOPICAL_TEXTS = 2
MIN_TOPICAL = 2.0


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
        self.docs: list[Doc] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for entry, tokens in docs:
            stems = frozenset(stem(t) for t in tokens)
            self.docs.append(Doc(entry, stems, sum(self.idf[s] for s in stems)))
            for s in stems:
                postings[s].append(len(self.docs) - 1)
        self.postings = {s: np.array(ids, dtype=np.int32) for s, ids in postings.items()}
        # Per entry, the stems it uses in at least TOPICAL_TEXTS of its texts: what it is about.
        # A stem found in one variant only is incidental ("72 heures" says how fast, not that
        # the entry is about time), and cannot by itself make an answer confident.
        uses: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.entry_docs: list[list[int]] = [[] for _ in range(n)]
        for d, doc in enumerate(self.docs):
            self.entry_docs[doc.entry].append(d)
            for s in doc.stems:
                uses[doc.entry][s] += 1
        self.topical: list[frozenset[str]] = [
            frozenset(s for s, k in uses[e].items() if k >= TOPICAL_TEXTS) for e in range(n)
        ]
        self.doc_entry = np.array([d.entry for d in self.docs], dtype=np.int32)
        self.doc_weight = np.array([d.weight for d in self.docs], dtype=np.float64)
        self.n_entries = n

    def query_weights(self, tokens: list[str]) -> dict[str, float]:
        """Stem -> idf for the question's words; repeats count once."""
        return {stem(t): self.idf.get(stem(t), self.unknown_idf) for t in tokens}

    def evidence(self, tokens: list[str]) -> float:
        """0-1: how much a question says about which entry it means.

        A question made only of words most entries share ("malien de l'exterieur", "diaspora")
        can match a short keyword perfectly and still not tell the entries apart: its scores
        are scaled down so that it gets "did you mean", not an answer.
        """
        known = sum(self.idf.get(s, 0.0) for s in {stem(t) for t in tokens})
        return min(known / EVIDENCE_IDF, 1.0) ** EVIDENCE_POWER

    def anchored(self, tokens: list[str], entry: int) -> bool:
        """Whether the question shares with `entry` enough of what the entry is about to be
        answered with it: topical words worth MIN_TOPICAL idf, or a good part of one of its
        texts (at least two stems and half its weight: a paraphrase of one variant).

        A question sharing with an entry only a word one of its variants happens to use
        ("quelle heure est il" and "en 72 heures") is not about that entry.
        """
        stems = {stem(t) for t in tokens}
        topical = self.topical[entry]
        if sum(self.idf[s] for s in stems if s in topical) >= MIN_TOPICAL:
            return True
        for d in self.entry_docs[entry]:
            shared = stems & self.docs[d].stems
            if len(shared) >= 2 and sum(self.idf[s] for s in shared) >= 0.5 * self.doc_weight[d]:
                return True
        return False

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
        # The same holds for a variant or keyword made only of shared words: matching it
        # perfectly ("maliennes de l'exterieur") does not single its entry out.
        scores *= np.minimum(self.doc_weight[hit] / EVIDENCE_IDF, 1.0) ** EVIDENCE_POWER
        np.maximum.at(best, self.doc_entry[hit], scores)
        return best
