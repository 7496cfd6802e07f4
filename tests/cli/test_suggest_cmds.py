"""`calmdesk suggest` and `calmdesk promises`: output formats, fallbacks and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from calmdesk.analysis import HeadRow, Models
from calmdesk.cli import app

LATE = json.dumps(
    {
        "id": "late-1",
        "turns": [
            {
                "role": "customer",
                "text": "My parcel is two weeks late and nobody answers my emails.",
                "at": "2026-11-25T10:00:00+00:00",
            }
        ],
    }
)


@pytest.fixture(autouse=True)
def quiet_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neutral model scores, so these tests check the commands and not the models."""
    models = Models(
        lambda texts: np.zeros((len(texts), 384), dtype=np.float32),
        lambda texts, vectors: [HeadRow.neutral() for _ in texts],
    )
    monkeypatch.setattr("calmdesk.analysis.pipeline.default_models", lambda: models)
    monkeypatch.delenv("CALMDESK_LLM_BASE_URL", raising=False)


def test_suggest_prints_json_with_text_source_and_review() -> None:
    result = CliRunner().invoke(app, ["suggest", "-", "--format", "json"], input=LATE)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["source"] == "offline"
    assert payload["text"].strip()
    assert {"score", "checks", "commitments"} <= set(payload["review"])


def test_suggest_prints_plain_text_with_the_review_line(tmp_path: Path) -> None:
    path = tmp_path / "late.json"
    path.write_text(LATE, encoding="utf-8")
    result = CliRunner().invoke(app, ["suggest", str(path), "--format", "text"])
    assert result.exit_code == 0, result.stderr
    assert "source: offline" in result.stdout and "review score" in result.stdout


def test_suggest_falls_back_when_the_model_endpoint_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CALMDESK_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CALMDESK_LLM_TIMEOUT_S", "1")
    result = CliRunner().invoke(app, ["suggest", "-", "--format", "json"], input=LATE)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"].startswith("offline (model unavailable")


@pytest.mark.parametrize(
    ("stdin", "code"),
    [
        ("", "E101"),
        ("{not json", "E103"),
        (json.dumps({"id": "x", "turns": [{"role": "agent", "text": "Hi"}]}), "E101"),
        (b"\xff\xfe\x00binary", "E103"),
    ],
)
def test_suggest_reports_bad_input_with_a_code(stdin: str | bytes, code: str) -> None:
    result = CliRunner().invoke(app, ["suggest", "-"], input=stdin)
    assert result.exit_code == 2
    assert result.stderr.startswith(code)


def test_suggest_rejects_a_broken_knowledge_base(tmp_path: Path) -> None:
    kb = tmp_path / "kb.yaml"
    kb.write_text("facts: [{id: x, keywords: [refund], value: -1, unit: days}]", encoding="utf-8")
    result = CliRunner().invoke(app, ["suggest", "-", "--kb", str(kb)], input=LATE)
    assert result.exit_code == 2
    assert result.stderr.startswith("E501")


def test_promises_prints_due_dates_as_json() -> None:
    args = ["promises", "--text", "I'll send a replacement by Friday.", "--format", "json"]
    args += ["--now", "2026-11-28T10:00:00+01:00", "--tz", "Europe/Berlin"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    (promise,) = json.loads(result.stdout)
    assert promise["action"] == "send a replacement"
    assert promise["due"] == "2026-12-04T16:00:00+00:00"
    assert promise["owner"] == "agent"


def test_promises_prints_a_table_on_request() -> None:
    args = ["promises", "--text", "We will call you tomorrow.", "--format", "text"]
    args += ["--now", "2026-11-28T10:00:00+00:00"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert "call you" in result.stdout and "2026-11-29" in result.stdout


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["--now", "yesterday-ish"], "E103"),
        (["--now", "2026-11-28T10:00:00"], "E103"),
        (["--tz", "Mars/Base"], "E104"),
        (["--business-days", "Caturday"], "E104"),
        (["--format", "xml"], "E103"),
    ],
)
def test_promises_reports_bad_options_with_a_code(extra: list[str], code: str) -> None:
    result = CliRunner().invoke(app, ["promises", "--text", "I'll call you.", *extra])
    assert result.exit_code == 2
    assert result.stderr.startswith(code)
