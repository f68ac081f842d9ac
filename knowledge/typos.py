"""Mapping misspelt words to the words the FAQ knows ("nationalty" -> "nationality").

Correction runs on the person's words after SMS spellings are expanded and before synonyms, so
a misspelt synonym ("citzenship", "entrprise") still reaches its canonical word.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

# How close (rapidfuzz ratio, 0-100) a word must be to a known one to be read as it. Short words
# need to be closer: one letter changed in "visa" gives "vise", and two in "blague" "langue".
_CUTOFF_BY_LENGTH = {4: 88.0, 5: 85.0, 6: 85.0, 7: 85.0, 8: 80.0}
_MIN_LENGTH = 4
# Close words looked at, best first: the first that does not flip the word is taken.
_CANDIDATES = 5
# Prefixes that undo a word ("désabonnement", "unsubscribe", "disagree", "non"): dropping or
# adding one is not a typo but the opposite word. Session 6: "désabonnement" was read as
# "abonnement" where the vocabulary had only the latter.
UNDOING_PREFIXES = ("des", "de", "dis", "un", "non")


class TypoCorrector:
    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._known = frozenset(vocabulary)
        self._words = sorted(self._known)
        self._cache: dict[str, str] = {}

    @property
    def known(self) -> frozenset[str]:
        return self._known

    def correct(self, token: str) -> str:
        """The known word closest to `token`, or `token` itself when none is close enough."""
        if token in self._known or len(token) < _MIN_LENGTH or not token.isalpha():
            return token
        if token.endswith("s") and token[:-1] in self._known:
            return token  # a plural of a known word ("contacts" was read as "contracts")
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        cutoff = _CUTOFF_BY_LENGTH[min(len(token), 8)]
        found = process.extract(
            token, self._words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=_CANDIDATES
        )
        word = next((w for w, _score, _i in found if not _flips(token, w)), token)
        # Bounded: people's typos are endless, memory is not.
        if len(self._cache) < 50_000:
            self._cache[token] = word
        return word

    def correct_all(self, tokens: list[str]) -> list[str]:
        return [self.correct(t) for t in tokens]


def _flips(token: str, word: str) -> bool:
    """`word` is `token` with an undoing prefix dropped or added (give or take a typo): the
    opposite word, never its correction. "desabonnement" -> "abonnement", "sabonner" (s'abonner
    without its apostrophe) -> "desabonner"."""
    for prefix in UNDOING_PREFIXES:
        if token.startswith(prefix) == word.startswith(prefix):
            continue
        if token.startswith(prefix):
            if fuzz.ratio(token[len(prefix) :], word) >= fuzz.ratio(token, word):
                return True
        elif fuzz.ratio(word[len(prefix) :], token) >= fuzz.ratio(word, token):
            return True
    return False
