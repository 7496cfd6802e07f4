"""`evaluate`: metrics on tiny data, file overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from calmdesk.domain.errors import NotFound, UnsupportedValue
from calmdesk.training.evaluate import TASKS, evaluate
from calmdesk.training.fit import FitSettings

SMALL = FitSettings(min_df=1, c=10.0, goemotions_folds=1)
EXPECTED_TASKS = [
    "banking77",
    "cga",
    "clinc150",
    "complaints",
    "goemotions",
    "politeness",
    "tweeteval-emotion",
    "tweeteval-offensive",
]


def test_tasks_match_the_checked_in_list() -> None:
    assert sorted(TASKS) == EXPECTED_TASKS


def test_evaluate_unknown_task_is_unsupported(tiny_data: Path) -> None:
    with pytest.raises(UnsupportedValue):
        evaluate("sentiment140", tiny_data)


def test_evaluate_missing_data_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        evaluate("tweeteval-emotion", tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("task", ["tweeteval-emotion", "tweeteval-offensive", "goemotions"])
def test_evaluate_learns_the_tiny_training_set(tiny_data: Path, task: str) -> None:
    result = evaluate(task, tiny_data, settings=SMALL)  # val == train in the tiny data
    assert result.metrics["macro_f1"] > 0.6
    assert result.n_train == result.n_test > 0


@pytest.mark.slow
def test_evaluate_with_train_and_test_files(tiny_data: Path, tmp_path: Path) -> None:
    train = tmp_path / "train.csv"
    train.write_text("text,label\nso angry\nx,y\n".replace("\nx,y", ",a\nhappy day,b"), "utf-8")
    result = evaluate("tweeteval-emotion", tiny_data, train, train, SMALL)
    assert result.n_train == 2 and result.metrics["accuracy"] == 1.0


@pytest.mark.slow
def test_evaluate_cga_cross_validates(tiny_data: Path) -> None:
    result = evaluate("cga", tiny_data, settings=SMALL)
    assert set(result.metrics) == {"f1", "accuracy"}
    assert result.metrics["f1"] > 0.6
    assert result.n_train == 20
