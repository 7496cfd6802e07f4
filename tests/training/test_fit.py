"""Fitting: vocabularies, logistic heads and the metric."""

from __future__ import annotations

import numpy as np
import pytest

from calmdesk.training.fit import FitSettings, fit_featurizer, fit_logistic, macro_f1

TEXTS = ["the parcel is late", "the parcel is lost", "thank you kindly", "thank you so much"]


@pytest.mark.parametrize(
    ("truth", "predicted", "expected"),
    [
        ([0, 1, 0, 1], [0, 1, 0, 1], 1.0),
        ([0, 0, 0, 0], [1, 1, 1, 1], 0.0),
        ([0, 0, 1, 1], [0, 1, 1, 1], (2 / 3 + 4 / 5) / 2),
    ],
)
def test_macro_f1_matches_hand_computed_values(truth, predicted, expected) -> None:
    assert macro_f1(truth, predicted, [0, 1]) == pytest.approx(expected)


def test_fit_featurizer_keeps_frequent_grams_and_is_deterministic() -> None:
    settings = FitSettings(min_df=2)
    first, second = fit_featurizer(TEXTS, settings), fit_featurizer(TEXTS[::-1], settings)
    assert "parcel" in first.words and "thank you" in first.words
    assert "late" not in first.words  # seen once only
    assert first.words == second.words and first.chars == second.chars
    np.testing.assert_allclose(first.word_idf, second.word_idf)


def test_fit_logistic_separates_two_clear_groups() -> None:
    featurizer = fit_featurizer(TEXTS, FitSettings(min_df=1))
    vectors = np.zeros((4, featurizer.dim), dtype=np.float32)
    x = featurizer.transform(TEXTS, vectors)
    coef, bias = fit_logistic(x, [1, 1, 0, 0], settings=FitSettings(c=10.0))
    scores = np.asarray(x @ coef)[:, 0] + bias[0]
    assert coef.shape == (featurizer.width, 1)
    assert (scores[:2] > 0).all() and (scores[2:] < 0).all()
