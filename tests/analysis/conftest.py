"""Fixtures of the analysis tests: hand-set model scores, so rule and context logic is exact."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from calmdesk.analysis import HeadRow, Models
from calmdesk.domain import EMOTIONS


def head_row(**scores: float) -> HeadRow:
    """A HeadRow with the named emotions/scores set; emotion mass not given goes to neutral."""
    emotion = {name: scores.pop(name, 0.0) for name in EMOTIONS if name != "neutral"}
    emotion["neutral"] = max(0.0, 1.0 - sum(emotion.values()))
    binary = {"anger": 0.0, "offensive": 0.0, "complaint": 0.0, "politeness": 0.5}
    binary.update({k: scores.pop(f"{k}_head") for k in list(binary) if f"{k}_head" in scores})
    assert not scores, f"unknown scores {scores}"
    return HeadRow(emotion, **binary)


class TableModels:
    """Models whose heads answer from a table (text -> HeadRow); unknown texts score neutral."""

    def __init__(self, table: dict[str, HeadRow] | None = None) -> None:
        self.table = table or {}
        self.calls: list[list[str]] = []
        self.predicted: list[list[str]] = []  # texts the heads were asked to score, per call

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.zeros((len(texts), 384), dtype=np.float32)

    def predict(self, texts: Sequence[str], vectors: np.ndarray) -> list[HeadRow]:
        self.predicted.append(list(texts))
        return [self.table.get(t, HeadRow.neutral()) for t in texts]

    def models(self) -> Models:
        return Models(self.encode, self.predict)


@pytest.fixture
def table_models() -> TableModels:
    return TableModels()


@pytest.fixture
def make_row():  # type: ignore[no-untyped-def]
    """`head_row` as a fixture: build hand-set head scores inside a test."""
    return head_row
