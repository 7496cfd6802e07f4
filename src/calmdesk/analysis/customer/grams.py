"""Character n-gram TF-IDF rows for the learned customer signals.

The sentence vector reads what a turn means; how it is worded ("sort it NOW", "you lot", "pls
could you") is read better from its characters. The same character n-grams as the shared
heads (`analysis.heads.char_grams`: inside word boundaries, lengths 2-5, lowercased), weighted by
sublinear TF-IDF and L2-normalised, over a vocabulary fitted on the training texts (grams in at
least two of them, with smooth idf, no labels involved).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from calmdesk.analysis.heads import char_grams

__all__ = ["GramReader", "fit_vocabulary", "tfidf_rows"]

_MAX_CHARS = 2000  # what `analysis.heads.char_grams` reads of a text
_CACHED_WORDS = 50_000


def fit_vocabulary(
    texts: Sequence[str], min_df: int = 2, size: int = 30_000
) -> tuple[list[str], np.ndarray]:
    """The grams found in at least `min_df` of `texts` (the `size` most common, ties by gram),
    sorted, and their smooth idf `ln((1 + n) / (1 + df)) + 1`."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(char_grams(text)))
    kept = sorted((g for g, n in df.items() if n >= min_df), key=lambda g: (-df[g], g))[:size]
    kept.sort()
    idf = np.array([np.log((1 + len(texts)) / (1 + df[g])) + 1.0 for g in kept], np.float32)
    return kept, idf


def tfidf_rows(
    texts: Sequence[str], vocabulary: dict[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse TF-IDF rows of `texts` as coordinates (row, column, value), sorted by row then
    column; a text with no known gram has no entries."""
    rows: list[int] = []
    cols: list[int] = []
    get = vocabulary.get
    for i, text in enumerate(texts):
        known = [k for k in map(get, char_grams(text)) if k is not None]
        cols += known
        rows += [i] * len(known)
    if not cols:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32)
    width = max(len(vocabulary), 1)
    key = np.asarray(rows, np.int64) * width + np.asarray(cols, np.int64)
    unique, counts = np.unique(key, return_counts=True)
    r, c = np.divmod(unique, width)
    values = (1.0 + np.log(counts)) * idf[c]
    norms = np.sqrt(np.bincount(r, values * values, minlength=len(texts)))
    return r, c, (values / norms[r]).astype(np.float32)


class GramReader:
    """One text's n-gram share of some linear heads' logits, `tfidf_rows(...) @ weights`
    computed word by word: each word's known grams are looked up once and remembered (most words
    of a batch are common ones), which makes one turn cost a few microseconds."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, weights: np.ndarray) -> None:
        self._vocabulary = vocabulary
        self._idf = np.asarray(idf, np.float64)
        self._weights = np.asarray(weights, np.float32)
        self._words: dict[str, list[int]] = {}

    def _ids(self, word: str) -> list[int]:
        found = self._words.get(word)
        if found is None:
            get = self._vocabulary.get
            found = [k for k in map(get, char_grams(word)) if k is not None]
            if len(self._words) >= _CACHED_WORDS:
                self._words.clear()
            self._words[word] = found
        return found

    def logits(self, text: str) -> np.ndarray:
        """The share (len(weights[0]),) of `text`; zeros for a text with no known gram."""
        ids: list[int] = []
        for word in text[:_MAX_CHARS].split():
            ids += self._ids(word)
        if not ids:
            return np.zeros(self._weights.shape[1], np.float32)
        unique, counts = np.unique(np.asarray(ids, np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * self._idf[unique]
        values /= np.sqrt(float(np.dot(values, values)))
        share: np.ndarray = values.astype(np.float32) @ self._weights[unique]
        return share
