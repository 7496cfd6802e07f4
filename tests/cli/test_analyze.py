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


def _count_pipeline_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets one entry per `analyze_many` call the command makes."""
    import calmdesk.cli.analysis_cmds as cmds

    calls: list[int] = []
    real = cmds.analyze_many

    def counted(conversations: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(conversations, *args, **kwargs)

    monkeypatch.setattr(cmds, "analyze_many", counted)
    return calls


def test_analyze_reads_the_whole_input_in_one_pipeline_call(
    quiet_models: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not one `analyze_many` call per 256 lines: the helper process is kept busy across them."""

    calls = _count_pipeline_calls(monkeypatch)
    lines = [convo(str(i), ("customer", "where is it?")) for i in range(700)]
    lines[300] = "{not json"
    code, records, _ = run("-", stdin="\n".join(lines))
    assert code == 0 and len(calls) == 1
    assert [r["id"] for r in records] == [None if i == 300 else str(i) for i in range(700)]
    assert "error" in records[300]


def test_analyze_a_failing_batch_is_read_one_by_one_and_the_run_goes_on(
    quiet_models: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation the analysis rejects gets its error record; every other line its analysis,
    in input order, including the ones read ahead in the failed batch and after it."""
    import calmdesk.cli.analysis_cmds as cmds
    from calmdesk.domain.errors import UnsupportedValue

    real = cmds.analyze_many

    def strict(conversations: Any, *args: Any, **kwargs: Any) -> Any:
        for analysis in real(conversations, *args, **kwargs):
            if analysis.id == "bad":
                raise UnsupportedValue("this one cannot be read")
            yield analysis

    monkeypatch.setattr(cmds, "analyze_many", strict)
    ids = [str(i) for i in range(600)]
    ids[250] = "bad"
    lines = [convo(i, ("customer", "where is it?")) for i in ids]
    lines.insert(400, "[1, 2]")
    code, records, _ = run("-", stdin="\n".join(lines))
    assert code == 0
    assert [r["id"] for r in records] == [*ids[:400], None, *ids[400:]]
    failed = [r for r in records if "error" in r]
    assert [r["id"] for r in failed] == ["bad", None]
    assert failed[0]["error"].startswith("E") and "cannot be read" in failed[0]["error"]
    assert all("turns" in r for r in records if "error" not in r)


def test_analyze_many_bad_lines_are_written_without_waiting_for_the_end(
    quiet_models: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad lines wait for an earlier conversation's analysis, but at most `_HELD_LINES` of them:
    past that the pipeline call ends and their records are written (bounded memory)."""
    import calmdesk.cli.analysis_cmds as cmds

    monkeypatch.setattr(cmds, "_HELD_LINES", 50)
    held: list[int] = []
    real_parse = cmds._parse

    def parse(number: int, raw: Any) -> Any:
        held.append(number)
        return real_parse(number, raw)

    monkeypatch.setattr(cmds, "_parse", parse)
    lines = [convo("first", ("customer", "hi")), *(["{bad"] * 300), convo("last", ("agent", "ok"))]
    records = cmds._records(iter_stream("\n".join(lines)), cmds.Settings())
    first = next(records)
    assert first["id"] == "first" and len(held) == 1 + 50  # the conversation, 50 bad lines
    rest = list(records)
    assert [r["id"] for r in rest] == [None] * 300 + ["last"]


def test_analyze_conversations_read_ahead_do_not_count_as_held_lines(
    quiet_models: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only bad lines count against `_HELD_LINES`: many short conversations (more than the bound,
    all read ahead by the pipeline) still go through one `analyze_many` call."""
    import calmdesk.cli.analysis_cmds as cmds

    calls = _count_pipeline_calls(monkeypatch)
    monkeypatch.setattr(cmds, "_HELD_LINES", 10)
    lines = [convo(str(i), ("customer", "where is it?")) for i in range(1500)]
    lines[700:700] = ["{bad"] * 5
    records = list(cmds._records(iter_stream("\n".join(lines)), cmds.Settings()))
    assert len(calls) == 1
    ids = [r["id"] for r in records]
    assert ids == [str(i) for i in range(700)] + [None] * 5 + [str(i) for i in range(700, 1500)]


def iter_stream(text: str) -> Any:
    import io

    return io.BytesIO(text.encode("utf-8"))


def test_analyze_builds_and_writes_records_with_fewer_collections(
    quiet_models: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records are built and written under the batches' raised collector threshold, which
    is put back once the command is done."""
    import gc

    import calmdesk.cli.analysis_cmds as cmds
    from calmdesk.analysis.gcscope import BATCH_THRESHOLD

    seen: list[int] = []
    real = cmds.analysis_record

    def noted(analysis: Any) -> Any:
        seen.append(gc.get_threshold()[0])
        return real(analysis)

    monkeypatch.setattr(cmds, "analysis_record", noted)
    before = gc.get_threshold()
    stdin = "\n".join(convo(f"c{i}", ("customer", f"my order {i} is late")) for i in range(5))
    code, records, _ = run("-", stdin=stdin)
    assert code == 0 and len(records) == 5
    assert seen and min(seen) >= BATCH_THRESHOLD > before[0]
    assert gc.get_threshold() == before
