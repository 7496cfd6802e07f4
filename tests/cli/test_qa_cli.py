"""`calmdesk qa`: the JSON Lines contract, input order, bad lines, stored analyses, arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from calmdesk.analysis import HeadRow, Models, analysis_record, analyze_many
from calmdesk.analysis.wire import conversation_from_json
from calmdesk.cli import app

KEYS = ["id", "score", "criteria", "agent_turns", "outcome"]


@pytest.fixture
def quiet_models(monkeypatch: pytest.MonkeyPatch) -> Models:
    models = Models(
        lambda texts: np.zeros((len(texts), 384), dtype=np.float32),
        lambda texts, vectors: [HeadRow.neutral() for _ in texts],
    )
    monkeypatch.setattr("calmdesk.analysis.pipeline.default_models", lambda: models)
    return models


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(app, ["qa", *args], input=stdin)
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    return result.exit_code, lines, result.stderr


def convo(cid: str, *turns: tuple[str, str]) -> str:
    return json.dumps({"id": cid, "turns": [{"role": r, "text": t} for r, t in turns]})


def test_qa_cli_writes_one_scorecard_per_line_in_input_order(quiet_models: Models) -> None:
    stdin = "\n".join(
        convo(f"c{i}", ("customer", f"my order {i} is late"), ("agent", "Sorry, it ships today."))
        for i in range(7)
    )
    code, records, err = run("--no-progress", "--partition", "3", "-", stdin=stdin)
    assert code == 0
    assert [r["id"] for r in records] == [f"c{i}" for i in range(7)]
    assert all(list(r) == KEYS for r in records)
    assert all(0 <= r["score"] <= 100 for r in records)
    assert "scored 7 conversation(s)" in err


def test_qa_cli_bad_lines_give_errors_and_the_run_goes_on(quiet_models: Models) -> None:
    stdin = b"\n".join(
        [
            convo("a", ("customer", "hi")).encode(),
            b"not json",
            b"\xff\xfe binary",
            b'{"id": "r", "turns": [{"role": "robot", "text": "x"}]}',
            convo("z", ("customer", "bye")).encode(),
        ]
    )
    code, records, _ = run("--no-progress", "-", stdin=stdin)
    assert code == 0
    assert [r["id"] for r in records] == ["a", None, None, "r", "z"]
    assert records[1]["error"].startswith("E103: line 2:")
    assert records[2]["error"].startswith("E103: line 3:")
    assert records[3]["error"].startswith("E104: line 4:")
    assert list(records[3]) == ["id", "error"]


def test_qa_cli_reuses_stored_analyses_without_running_the_models(
    quiet_models: Models, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    turns = [
        {"role": "customer", "text": "my parcel is late"},
        {"role": "agent", "text": "Sorry, I've re-sent it today."},
    ]
    raw: dict[str, Any] = {"id": "s", "turns": turns}
    (analysis,) = analyze_many([conversation_from_json(raw)])
    stored = analysis_record(analysis)
    line = dict(
        raw,
        turns=[dict(t, signals=s["signals"]) for t, s in zip(turns, stored["turns"], strict=True)],
    )

    def no_models() -> Models:
        raise AssertionError("stored analyses must not be analysed again")

    monkeypatch.setattr("calmdesk.analysis.pipeline.default_models", no_models)
    path = tmp_path / "stored.jsonl"
    path.write_text(json.dumps(line) + "\n")
    code, (record,), _ = run("--no-progress", str(path))
    assert code == 0 and record["id"] == "s" and record["agent_turns"][0]["index"] == 1


def test_qa_cli_shows_progress_on_stderr(quiet_models: Models, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(convo("a", ("customer", "hi")) + "\n")
    code, records, err = run(str(path))
    assert code == 0 and len(records) == 1
    assert "scoring conversations" in err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["/no/such/file"], "not a readable file"),
        (["--db", "x.jsonl"], "--db reads the database"),
        (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2", "-"], "not both"),
        (["--workers", "0", "-"], "greater than or equal to 1"),
    ],
)
def test_qa_cli_unusable_arguments_exit_2(args: list[str], fragment: str) -> None:
    code, _, err = run(*args, stdin="")
    assert code == 2 and fragment in err
    assert "Traceback" not in err


def test_qa_cli_bad_scheduler_address_is_a_coded_error() -> None:
    code, _, err = run("--no-progress", "--scheduler", "localhost:8786", "-", stdin="{}\n")
    assert code == 2 and err.startswith("E850:")


def test_qa_cli_bad_playbook_is_a_coded_error(tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text("qa:\n  weights:\n    charm: 3\n")
    code, _, err = run("--no-progress", "--playbook", str(book), "-", stdin="{}\n")
    assert code == 2 and err.startswith("E501:") and "qa.weights.charm" in err


def test_qa_cli_out_writes_parquet_rows_in_input_order(
    quiet_models: Models, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    stdin = "\n".join([convo(f"c{i}", ("customer", "late again")) for i in range(5)] + ["nope"])
    out = tmp_path / "cards"
    code, records, err = run(
        "--no-progress", "--partition", "2", "--out", str(out), "-", stdin=stdin
    )
    assert code == 0 and records == []
    assert sorted(p.name for p in out.iterdir()) == [f"part-00000{i}.parquet" for i in range(3)]
    table = pq.read_table(out).sort_by("line").to_pylist()
    assert [r["id"] for r in table] == [f"c{i}" for i in range(5)] + [None]
    assert table[-1]["error"].startswith("E103: line 6:")
    assert json.loads(table[0]["criteria"])["de_escalation"]["status"] == "not_applicable"
    assert "scored 5 conversation(s) into" in err


def test_qa_cli_db_scores_stored_conversations_incrementally(
    world: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calmdesk.actions import Actor, add_customer_turn, resolve_conversation, send_agent_reply

    conversation = world.open()
    customer, agent = Actor.for_customer(world.angry_customer.id), world.actor(world.agent)
    add_customer_turn(world.ctx, customer, conversation.id, "My order is late again!!")
    send_agent_reply(world.ctx, agent, conversation.id, "Sorry, I've re-sent it today.")
    resolve_conversation(world.ctx, agent, conversation.id, "re-sent")
    monkeypatch.setenv("CALMDESK_DATABASE_URL", db_url)
    code, records, err = run("--db")
    assert code == 0 and records == []
    assert "scored 1 conversation(s); 0 unchanged; 0 failed" in err
    code, _, err = run("--db", "--no-progress")
    assert code == 0 and "scored 0 conversation(s); 1 unchanged" in err


def test_qa_cli_db_on_an_unmigrated_database_is_a_coded_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALMDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, _, err = run("--db")
    assert code == 2 and err.startswith("E501:") and "db upgrade" in err
