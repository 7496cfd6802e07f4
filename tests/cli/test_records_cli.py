from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.factories import CueAnalyzer
from typer.testing import CliRunner

import calmdesk.actions.imports as imports
from calmdesk.cli import app
from calmdesk.storage import Conversation, User, make_engine, make_session_factory
from calmdesk.storage.migrate import head_revision

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CALMDESK_DATABASE_URL", url)
    monkeypatch.setattr("calmdesk.actions.passwords._N", 2**8)
    return url


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        found = int(session.scalar(select(func.count()).select_from(model)) or 0)
    engine.dispose()
    return found


def test_db_upgrade_migrates_and_reports_the_revision(db: str) -> None:
    first = runner.invoke(app, ["db", "upgrade"])
    again = runner.invoke(app, ["db", "upgrade"])
    head = head_revision()
    assert first.exit_code == 0 and f"revision {head}" in first.output
    assert again.exit_code == 0
    assert f"current {head}, head {head}" in runner.invoke(app, ["db", "current"]).output


@pytest.mark.parametrize(
    "args",
    [["seed"], ["export", "1"], ["import", "missing.jsonl"]],
)
def test_commands_say_what_to_do_on_an_unmigrated_database(db: str, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert re.match(r"E\d{3}: ", result.output), result.output


def test_db_upgrade_refuses_an_in_memory_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALMDESK_DATABASE_URL", "sqlite:///:memory:")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and result.output.startswith("E501: ")


def test_seed_is_idempotent_and_prints_demo_logins(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("calmdesk.actions.context.LibraryAnalyzer", lambda _s: CueAnalyzer())
    runner.invoke(app, ["db", "upgrade"])
    first = runner.invoke(app, ["seed"])
    again = runner.invoke(app, ["seed"])
    assert first.exit_code == 0 and "demo login: agent / calmdesk-agent" in first.output
    assert again.exit_code == 0 and "created nothing" in again.output
    assert _count(db, Conversation) == 30 and _count(db, User) == 4


def _lines(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "convs.jsonl"
    rows = [
        {"id": f"c{i}", "turns": [{"role": "customer", "text": f"Question number {i}"}]}
        for i in range(n)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    return path


def test_import_resumes_after_an_interruption_and_skips_duplicates(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(app, ["db", "upgrade"])
    path = _lines(tmp_path, 7)
    real, calls = imports.import_batch, []

    def dies_on_the_third_batch(*args: object, **kwargs: object) -> list[bool]:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("calmdesk.cli.records_cmds._CHECKPOINT_EVERY", 2)
    monkeypatch.setattr(imports, "import_batch", dies_on_the_third_batch)
    interrupted = runner.invoke(app, ["import", str(path), "--no-analyze"])
    assert interrupted.exit_code != 0 and _count(db, Conversation) == 4
    seen: list[str] = []

    def counting(
        ctx: object, actor: object, items: list[imports.ImportItem], **kw: object
    ) -> list[bool]:
        seen.extend(item.external_id for item in items)
        return real(ctx, actor, items, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "import_batch", counting)
    resumed = runner.invoke(app, ["import", str(path), "--no-analyze"])
    assert resumed.exit_code == 0, resumed.output
    assert seen == ["c4", "c5", "c6"]  # checkpoint after line 4; lines 5-6 had rolled back
    assert "this run: imported 3, skipped 0, failed 1" in resumed.output
    assert "this file so far: imported 7, skipped 0, failed 1" in resumed.output
    assert _count(db, Conversation) == 7
    again = runner.invoke(app, ["import", str(path), "--no-analyze", "--restart"])
    assert "this run: imported 0, skipped 7, failed 1" in again.output


def test_export_writes_json_and_html(db: str, tmp_path: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["import", str(_lines(tmp_path, 1)), "--no-analyze"])
    as_json = runner.invoke(app, ["export", "1"])
    assert json.loads(as_json.output)["turns"][0]["text"] == "Question number 0"
    out = tmp_path / "record.html"
    assert (
        runner.invoke(app, ["export", "1", "--format", "html", "--output", str(out)]).exit_code == 0
    )
    assert out.read_text().startswith("<!doctype html>")
    missing = runner.invoke(app, ["export", "42"])
    assert missing.exit_code == 2 and missing.output.startswith("E201: ")


RECORDS_DOC = Path(__file__).resolve().parents[2] / "docs" / "records.md"


@pytest.mark.parametrize(
    "command", ["db upgrade", "db current", "seed", "import", "export", "worker"]
)
def test_records_commands_are_registered_and_documented(command: str) -> None:
    assert runner.invoke(app, [*command.split(), "--help"]).exit_code == 0
    assert f"calmdesk {command}" in RECORDS_DOC.read_text(encoding="utf-8")


def test_every_default_escalation_rule_is_documented() -> None:
    from calmdesk.actions import load_rules

    text = RECORDS_DOC.read_text(encoding="utf-8")
    assert [r.name for r in load_rules().rules if f"`{r.name}`" not in text] == []
