"""`calmdesk models ...` and `calmdesk eval`: output and clear errors, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calmdesk.cli import app

runner = CliRunner()


def test_eval_unknown_task_exits_2_with_code(tiny_data: Path) -> None:
    result = runner.invoke(app, ["eval", "sentiment140", "--data-dir", str(tiny_data)])
    assert result.exit_code == 2
    assert "E104" in result.output and "Traceback" not in result.output


def test_eval_missing_data_dir_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "complaints", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "E201" in result.output


def test_models_train_on_too_little_data_exits_2(tiny_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "heads.npz"
    (tiny_data / "goemotions" / "train.csv").write_text("id,text,label\nx,hi,neutral\n", "utf-8")
    args = ["models", "train", "--data-dir", str(tiny_data), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "E103" in result.output
    assert not out.exists()


@pytest.mark.slow
def test_eval_prints_json_metrics(tiny_data: Path) -> None:
    args = ["eval", "tweeteval-offensive", "--data-dir", str(tiny_data), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["task"] == "tweeteval-offensive"
    assert 0 <= payload["metrics"]["macro_f1"] <= 100


@pytest.mark.slow
def test_models_info_describes_the_packaged_heads() -> None:
    result = runner.invoke(app, ["models", "info"])
    assert result.exit_code == 0, result.output
    assert "all-MiniLM-L6-v2" in result.output and "emotion 7" in result.output
    assert "customer_signals.npz" in result.output and "chargeback_threat" in result.output
    analysis = next(line for line in result.output.splitlines() if "analysis encoder" in line)
    assert "universal-sentence-encoder-multilingual" in analysis
