"""`calmdesk analyze`: the JSON Lines contract, bad lines, arguments, --text, the table view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from calmdesk.analysis import HeadRow, Models
from calmdesk.cli import app

CUSTOMER_KEYS = {"upset", "anger", "abuse", "complaint", "urgency", "politeness", "emotion"}
CUSTOMER_KEYS |= {"cause", "requests", "threats", "sarcasm", "waiting", "language"}
CUSTOMER_KEYS |= {"language_supported"}


@pytest.fixture
def quiet_models(monkeypatch: pytest.MonkeyPatch) -> Models:
    """Neutral model scores, so these tests check the command and not the models."""
    models = Models(
        lambda texts: np.zeros((len(texts), 384), dtype=np.float32),
        lambda texts, vectors: [HeadRow.neutral() for _ in texts],
    )
    monkeypatch.setattr("calmdesk.analysis.pipeline.default_models", lambda: models)
    return models


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(app, ["analyze", "--no-progress", *args], input=stdin)
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    return result.exit_code, lines, result.stderr


def convo(cid: str, *turns: tuple[str, str]) -> str:
    return json.dumps({"id": cid, "turns": [{"role": r, "text": t} for r, t in turns]})


def test_analyze_writes_one_record_per_line_in_order(quiet_models: Models) -> None:
    stdin = "\n".join(convo(f"c{i}", ("customer", f"my order {i} is late")) for i in range(5))
    code, records, _ = run("-", stdin=stdin)
    assert code == 0
    assert [r["id"] for r in records] == [f"c{i}" for i in range(5)]
    assert list(records[0]) == ["id", "escalation_risk", "trend", "reasons", "turns"]


def test_analyze_record_holds_the_documented_signals(quiet_models: Models) -> None:
    stdin = convo(
        "x", ("customer", "get me your manager"), ("agent", "Sure, one moment."), ("bot", "hi")
    )
    _, (record,), _ = run(stdin=stdin)
    customer, agent, bot = (t["signals"] for t in record["turns"])
    assert [t["role"] for t in record["turns"]] == ["customer", "agent", "bot"]
    assert CUSTOMER_KEYS <= set(customer)
    assert customer["requests"][0]["kind"] == "supervisor"
    assert customer["requests"][0]["span"]["text"] == "get me your manager"
    assert "politeness" in agent and "politeness" in bot
    assert record["trend"] in {"heating", "steady", "cooling"}
    assert 0.0 <= record["escalation_risk"] <= 1.0


@pytest.mark.parametrize(
    ("line", "cid"),
    [
        ("{not json", None),
        ('{"id": "t1", "turns": "hello"}', "t1"),
        ('{"id": "t2", "turns": [{"role": "boss", "text": "hi"}]}', "t2"),
        ('{"id": "t3", "turns": [{"role": "customer", "text": 7}]}', "t3"),
        ('{"id": "t4", "turns": [{"role": "customer", "text": "hi", "at": "soon"}]}', "t4"),
        ('{"turns": []}', None),
        ("[1, 2, 3]", None),
        ("\udcff\udcfe binary", None),
    ],
)
def test_analyze_reports_a_bad_line_and_goes_on(quiet_models: Models, line: str, cid: Any) -> None:
    good = convo("ok", ("customer", "hello"))
    raw = "\n".join([good, line, good]).encode("utf-8", "surrogateescape")
    code, records, _ = run(stdin=raw)
    assert code == 0
    assert [r["id"] for r in records] == ["ok", cid, "ok"]
    assert "error" in records[1] and records[1]["error"].startswith("E1")
    assert "line 2" in records[1]["error"] or cid is None


def test_analyze_reads_a_file_and_accepts_times(quiet_models: Models, tmp_path: Path) -> None:
    turn = {"role": "customer", "text": "still waiting", "at": "2026-03-01T10:00:00Z"}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 1, "turns": [turn]}) + "\n\n", encoding="utf-8")
    code, records, _ = run(str(path))
    assert code == 0 and [r["id"] for r in records] == ["1"]


def test_analyze_text_option_analyses_one_message(quiet_models: Models) -> None:
    code, (record,), _ = run("--text", "you useless idiots")
    spans = record["turns"][0]["signals"]["abuse_spans"]
    assert code == 0 and spans[0]["text"] == "you useless idiots"


@pytest.mark.parametrize(
    "args",
    [["/no/such/file.jsonl"], ["--text", "hi", "some.jsonl"], ["--format", "xml", "--text", "x"]],
)
def test_analyze_unusable_arguments_exit_2_without_traceback(
    quiet_models: Models, args: list[str]
) -> None:
    result = CliRunner().invoke(app, ["analyze", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_analyze_table_format_is_readable(quiet_models: Models) -> None:
    result = CliRunner().invoke(app, ["analyze", "--format", "table", "--text", "refund now!!"])
    assert result.exit_code == 0
    assert "conversations" in result.stdout and "refund" in result.stdout
    assert not result.stdout.lstrip().startswith("{")


def test_analyze_many_lines_stream_with_progress_on_stderr(quiet_models: Models) -> None:
    stdin = "\n".join(convo(str(i), ("customer", "where is it?")) for i in range(600))
    result = CliRunner().invoke(app, ["analyze", "-"], input=stdin)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 600
    assert "analysing" in result.stderr


@pytest.mark.slow
def test_analyze_with_the_real_models_end_to_end() -> None:
    stdin = convo(
        "real",
        ("customer", "My order is TWO WEEKS LATE!!! This is unacceptable."),
        ("agent", "I'm sorry about the delay. I'll check with the courier now."),
        ("customer", "you useless idiots, get me your manager"),
    )
    code, (record,), _ = run(stdin=stdin)
    first = record["turns"][0]["signals"]
    assert code == 0
    assert first["upset"] >= 0.5 and first["cause"] == "delivery_delay"
    assert record["turns"][1]["signals"]["review"] is not None


@pytest.mark.slow
def test_analyze_names_each_turns_language_and_flags_an_unsupported_one() -> None:
    stdin = convo(
        "langs",
        ("customer", "Ich will sofort mit Ihrem Vorgesetzten sprechen!"),
        ("customer", "Gdzie jest moja paczka? Czekam już dwa tygodnie."),
    )
    code, (record,), _ = run(stdin=stdin)
    german, polish = (t["signals"] for t in record["turns"])
    assert code == 0
    assert (german["language"], german["language_supported"]) == ("de", True)
    assert [m["kind"] for m in german["requests"]] == ["supervisor"]
    assert (polish["language"], polish["language_supported"]) == ("pl", False)
    assert "analysis limited: Polish" in record["reasons"]


def test_analyze_every_option_is_documented() -> None:
    import typer.main

    docs = (Path(__file__).resolve().parents[2] / "docs" / "analysis.md").read_text("utf-8")
    command = typer.main.get_command(app).commands["analyze"]  # type: ignore[attr-defined]
    options = [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]
    assert options and all(o in docs for o in options), options
