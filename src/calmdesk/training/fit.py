"""Fitting the shared featurizer and linear heads; deterministic for the same data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from calmdesk.analysis.heads import Featurizer, char_grams, word_grams

__all__ = [
    "DEFAULT_SETTINGS",
    "FitSettings",
    "char_vocabulary",
    "fit_featurizer",
    "fit_logistic",
    "macro_f1",
]


@dataclass(frozen=True, slots=True)
class FitSettings:
    """Sizes and strengths; the defaults are what `calmdesk models train` uses."""

    max_words: int = 40_000
    max_chars: int = 30_000
    min_df: int = 2
    embedding_scale: float = 1.5
    c: float = 1.0
    max_iter: int = 2000
    goemotions_folds: int = 4  # product heads train on GoEmotions rows with fold_of(id, n) == 0
    bitext_folds: int = 8  # ... and on Bitext's unflagged rows with fold_of(id, n) == 0


DEFAULT_SETTINGS = FitSettings()


def _vocabulary(
    texts: Sequence[str], grams: Callable[[str], list[str]], size: int, min_df: int
) -> tuple[dict[str, int], np.ndarray]:
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(grams(text)))
    kept = sorted((g for g, n in df.items() if n >= min_df), key=lambda g: (-df[g], g))[:size]
    kept.sort()
    idf = np.array([np.log((1 + len(texts)) / (1 + df[g])) + 1.0 for g in kept])
    return {g: i for i, g in enumerate(kept)}, idf


def char_vocabulary(
    texts: Sequence[str], size: int, min_df: int = 2
) -> tuple[dict[str, int], np.ndarray]:
    """The `size` most frequent character 2-5-grams of `texts` (each in `min_df` texts or more),
    with smooth idf."""
    return _vocabulary(texts, char_grams, size, min_df)


def fit_featurizer(texts: Sequence[str], settings: FitSettings = DEFAULT_SETTINGS) -> Featurizer:
    """Word and character vocabularies (most frequent first, ties by text) with smooth idf."""
    words, word_idf = _vocabulary(texts, word_grams, settings.max_words, settings.min_df)
    chars: dict[str, int]
    if settings.max_chars <= 0:  # word grams only
        chars, char_idf = {}, np.zeros(0)
    else:
        chars, char_idf = _vocabulary(texts, char_grams, settings.max_chars, settings.min_df)
    return Featurizer(words, chars, word_idf, char_idf, settings.embedding_scale)


def fit_logistic(
    features: sparse.csr_matrix,
    labels: Sequence[int],
    weights: Sequence[float] | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (width, k) and bias (k,) of a logistic regression; k = 1 for two classes."""
    model = LogisticRegression(C=settings.c, max_iter=settings.max_iter, tol=1e-4)
    sample_weight = None if weights is None else np.asarray(weights, dtype=np.float64)
    model.fit(features, np.asarray(labels), sample_weight=sample_weight)
    return model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)


def macro_f1(truth: Sequence[int], predicted: Sequence[int], labels: Sequence[int]) -> float:
    """Mean over `labels` of each label's F1 (0 for a label never predicted nor present)."""
    t, p = np.asarray(truth), np.asarray(predicted)
    scores = []
    for label in labels:
        tp = float(np.sum((t == label) & (p == label)))
        denom = float(np.sum(t == label) + np.sum(p == label))
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores))
