"""`calmdesk review`: reads the analyze contract, prints JSON when piped, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from calmdesk.cli import review_cmds
from calmdesk.domain import TurnAnalysis

CONVERSATION = {
    "id": "late-parcel",
    "turns": [
        {
            "role": "customer",
            "text": "My parcel was due Monday and still hasn't arrived, you idiots!",
            "at": "2026-11-20T09:00:00+00:00",
        },
        {
            "role": "agent",
            "text": "Calm down. That is not our fault!!!",
            "at": "2026-11-20T09:05:00+00:00",
        },
    ],
}


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """The review command alone, with the customer signals left to the rule cues (no models)."""
    monkeypatch.setattr(
        review_cmds, "_analyse", lambda h, d: ([TurnAnalysis(t.role, None) for t in h], None)
    )
    app = typer.Typer()
    app.callback()(lambda: None)
    review_cmds.register(app)
    return app


def test_review_cli_prints_json_for_the_last_agent_turn(cli, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(CONVERSATION), encoding="utf-8")
    result = CliRunner().invoke(cli, ["review", str(path)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    statuses = {c["check"]: c["status"] for c in body["checks"]}
    assert statuses["P4"] == statuses["P5"] == statuses["P13"] == "fail"
    assert body["score"] < 50


def test_review_cli_reviews_a_draft_option_from_stdin(cli) -> None:
    convo = {"turns": CONVERSATION["turns"][:1]}
    draft = (
        "I'm so sorry your parcel still hasn't arrived; I can see why that's frustrating. "
        "I've asked the courier to trace it, and I will email you by 4pm tomorrow. "
        "Does that work for you? Please keep it respectful."
    )
    result = CliRunner().invoke(cli, ["review", "-", "--draft", draft], input=json.dumps(convo))
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["score"] == 100
    assert body["commitments"], "the promise to email by 4pm is listed"


def test_review_cli_prints_a_table_on_request(cli) -> None:
    result = CliRunner().invoke(
        cli, ["review", "--format", "table"], input=json.dumps(CONVERSATION)
    )
    assert result.exit_code == 0
    assert "no blame" in result.stdout and "Review score" in result.stdout


@pytest.mark.parametrize(
    ("stdin", "args", "code"),
    [
        ("", [], "E101"),
        ("not json", [], "E103"),
        ('{"turns": 3}', [], "E103"),
        ('{"turns": [{"role": "boss", "text": "hi"}]}', [], "E103"),
        ('{"turns": [{"role": "customer", "text": "hi", "at": "2026-01-01T10:00"}]}', [], "E103"),
        ('{"turns": [{"role": "customer", "text": "hi"}]}', [], "E101"),
        ('{"turns": [{"role": "customer", "text": "hi"}]}', ["--draft", "  "], "E101"),
        ('{"turns": []}', ["--draft", "x", "--format", "xml"], "E103"),
        ('{"turns": []}', ["--draft", "x", "--playbook", "/nonexistent.yaml"], "E501"),
    ],
)
def test_review_cli_rejects_bad_input_with_code_and_exit_2(cli, stdin, args, code) -> None:
    result = CliRunner().invoke(cli, ["review", "-", *args], input=stdin)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{code}: ")
    assert "Traceback" not in result.output


def test_review_cli_rejects_binary_and_missing_files(cli, tmp_path: Path) -> None:
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    for path in (binary, tmp_path / "missing.json"):
        result = CliRunner().invoke(cli, ["review", str(path)])
        assert result.exit_code == 2 and result.stderr.startswith("E103: ")


def test_review_cli_checks_facts_of_a_company_playbook(cli, tmp_path: Path) -> None:
    playbook = tmp_path / "acme.yaml"
    playbook.write_text(
        "facts:\n  - {name: gift card validity, keywords: [gift card], value: 12, unit: months}\n",
        encoding="utf-8",
    )
    convo = json.dumps({"turns": [{"role": "customer", "text": "How long is a gift card valid?"}]})
    args = ["review", "-", "--playbook", str(playbook), "--draft", "Gift cards last 6 months."]
    result = CliRunner().invoke(cli, args, input=convo)
    assert result.exit_code == 0, result.output
    p8 = next(c for c in json.loads(result.stdout)["checks"] if c["check"] == "P8")
    assert p8["status"] == "fail" and "12 months" in p8["fix"]
