"""Training the product heads on a tiny hand-written data folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calmdesk.analysis import heads
from calmdesk.domain.signals import EMOTIONS
from calmdesk.training.fit import FitSettings
from calmdesk.training.heads_train import GOEMOTIONS_MAP, TWEETEVAL_MAP, head_rows, train_heads

pytestmark = pytest.mark.slow
SMALL = FitSettings(min_df=1, c=10.0, goemotions_folds=1, bitext_folds=1)


def test_label_maps_only_name_calmdesk_emotions() -> None:
    assert set(GOEMOTIONS_MAP.values()) == set(EMOTIONS)
    assert set(TWEETEVAL_MAP.values()) <= set(EMOTIONS)
    assert len(GOEMOTIONS_MAP) == 28


def test_head_rows_cover_every_head(tiny_data: Path) -> None:
    rows = head_rows(tiny_data, SMALL)
    assert set(rows) == {"emotion", *heads.BINARY_HEADS}
    assert set(rows["emotion"].labels) == set(range(len(EMOTIONS)))
    for name in heads.BINARY_HEADS:
        assert set(rows[name].labels) == {0, 1}, name


def test_train_heads_is_reproducible_byte_for_byte(tiny_data: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    train_heads(tiny_data, first, SMALL)
    train_heads(tiny_data, second, SMALL)
    assert first.read_bytes() == second.read_bytes()


def test_trained_heads_predict_sensible_order(tiny_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "heads.npz"
    train_heads(tiny_data, path, SMALL)
    texts = ["I am furious, you people are useless", "Thank you so much, that solved it"]
    scores = heads.predict(texts, path=path)
    np.testing.assert_allclose(scores.emotion.sum(axis=1), 1.0, atol=1e-5)
    assert scores.anger[0] > scores.anger[1]
    assert scores.emotions(1)["satisfaction"] > scores.emotions(0)["satisfaction"]
