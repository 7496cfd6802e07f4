"""`calmdesk roleplay list|run`: the contract's JSON shapes and every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.analysis.roleplay.trainees import GOOD
from typer.testing import CliRunner

from calmdesk.cli import app

runner = CliRunner()


def test_roleplay_list_json_has_the_contract_fields() -> None:
    result = runner.invoke(app, ["roleplay", "list", "--json"])
    items = json.loads(result.output)
    assert result.exit_code == 0 and len(items) >= 12
    assert all(set(item) == {"id", "title", "cause", "difficulty"} for item in items)
    assert {"late-order", "abusive-refund"} <= {item["id"] for item in items}


@pytest.mark.slow
def test_roleplay_run_reads_json_string_replies_and_prints_the_result(tmp_path: Path) -> None:
    replies = tmp_path / "replies.jsonl"
    replies.write_text("\n".join(json.dumps(r) for r in GOOD["late-order"]) + "\n", "utf-8")
    result = runner.invoke(app, ["roleplay", "run", "late-order", "--replies", str(replies)])
    out = json.loads(result.output)
    assert result.exit_code == 0
    assert set(out) == {"scenario", "transcript", "mood", "outcome", "score", "feedback"}
    assert out["scenario"] == "late-order" and out["outcome"] == "resolved"
    assert len(out["mood"]) == 2 and set(out["mood"][0]) == {"upset", "trust"}
    assert [t["role"] for t in out["transcript"]] == ["customer", "agent"] * 2 + ["customer"]
    assert 0 <= out["score"] <= 100 and all(isinstance(f, str) for f in out["feedback"])


@pytest.mark.slow
def test_roleplay_run_from_stdin_replays_with_the_same_seed() -> None:
    stdin = '"Calm down."\n"It is not our fault."\n'
    first = runner.invoke(app, ["roleplay", "run", "phone-outage", "--seed", "5"], input=stdin)
    again = runner.invoke(app, ["roleplay", "run", "phone-outage", "--seed", "5"], input=stdin)
    assert first.exit_code == 0 and first.output == again.output


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("42\n", "JSON string"), ("not json\n", "JSON string"), ('{"a": 1}\n', "JSON string")],
)
def test_roleplay_run_refuses_lines_that_are_not_json_strings(stdin: str, message: str) -> None:
    result = runner.invoke(app, ["roleplay", "run", "late-order"], input=stdin)
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_roleplay_run_unknown_scenario_and_missing_file_are_clear() -> None:
    unknown = runner.invoke(app, ["roleplay", "run", "nope", "--replies", "-"], input="")
    missing = runner.invoke(app, ["roleplay", "run", "late-order", "--replies", "/no/such"])
    assert unknown.exit_code == 2 and "E201" in unknown.output
    assert missing.exit_code == 2 and "Cannot read" in missing.output


def test_roleplay_run_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "r.jsonl"
    bad.write_bytes(b'"\xff\xfe"\n')
    result = runner.invoke(app, ["roleplay", "run", "late-order", "--replies", str(bad)])
    assert result.exit_code == 2 and "UTF-8" in result.output
