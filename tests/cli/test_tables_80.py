"""Every `calmdesk` command that prints a table stays readable at 80 columns (issue 11 polish).

Each table is rendered by the real command with COLUMNS=80: no line is wider than 80, every
header is whole on the header line, and the long cells are folded (their words are all there),
not cut off at the edge.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from calmdesk.analysis import HeadRow, Models
from calmdesk.cli import app, review_cmds, roleplay_cmds
from calmdesk.cli.tables import TIME_FORMAT, when
from calmdesk.domain import TurnAnalysis

WIDTH = 80
_BORDERS = re.compile(r"[│┃┏┓┗┛┡┩╇┳┻━─└┘┌┐┬┴┼╭╮╰╯]")


@pytest.fixture
def quiet_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neutral model scores and no review models: these tests check the layout only."""
    models = Models(
        lambda texts: np.zeros((len(texts), 384), dtype=np.float32),
        lambda texts, vectors: [HeadRow.neutral() for _ in texts],
    )
    monkeypatch.setattr("calmdesk.analysis.pipeline.default_models", lambda: models)
    monkeypatch.setattr(
        review_cmds, "_analyse", lambda h, d: ([TurnAnalysis(t.role, None) for t in h], None)
    )


def render(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=stdin, env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.output
    return result.stdout


def cell_words(output: str) -> set[str]:
    """Every word inside the table's cells (borders removed)."""
    return set(_BORDERS.sub(" ", output).split())


def assert_readable(output: str, headers: list[str], words: list[str]) -> None:
    lines = output.splitlines()
    assert all(len(line) <= WIDTH for line in lines), max(lines, key=len)
    header = next(line for line in lines if line.startswith("┃"))
    cells = [c.strip() for c in header.strip("┃").split("┃")]
    assert cells == headers
    missing = [w for w in words if w not in cell_words(output)]
    assert not missing, f"cut off: {missing}\n{output}"


def test_review_table_fits_80_columns_with_whole_check_names(quiet_models: None) -> None:
    convo = {
        "id": "late",
        "turns": [{"role": "customer", "text": "Where is my order?? Two weeks late, idiots!"}],
    }
    draft = "CALM DOWN. You should have read the terms!!! We will escalate to a supervisor."
    out = render("review", "-", "--draft", draft, "--format", "table", stdin=json.dumps(convo))
    names = ["calm", "professional", "escalates", "clearly", "reflects", "concern"]
    assert_readable(out, ["check", "status", "evidence", "fix"], ["P14", *names, "neutral"])
    assert "_" not in out, "internal names (calm_professional, not_needed) are shown as words"


def test_analyze_tables_fit_80_columns(quiet_models: None) -> None:
    text = (
        "My order is TWO WEEKS LATE!!! you useless idiots, get me a manager now or I will "
        "dispute the charge with my bank and post reviews everywhere"
    )
    out = render("analyze", "--format", "table", "--no-progress", "--text", text)
    lines = out.splitlines()
    cut = next(i for i, line in enumerate(lines) if line.strip().endswith(": turns"))
    first, second = "\n".join(lines[:cut]), "\n".join(lines[cut:])
    assert_readable(first, ["id", "risk", "trend", "turns", "reasons / error"], [])
    expected = ["#", "role", "lang", "scores", "emotion", "cause", "found"]
    assert_readable(second, expected, ["upset", "politeness", "supervisor:", "manager'"])


def test_promises_table_fits_80_columns_in_one_time_format() -> None:
    text = "I have sent a replacement that ships tomorrow, you will get tracking by email tonight"
    out = render(
        "promises",
        "--text",
        text,
        "--format",
        "text",
        "--now",
        "2026-12-01T10:00:00+00:00",
        "--tz",
        "America/Argentina/Buenos_Aires",
    )
    assert_readable(out, ["action", "owner", "due", "UTC", "said"], ["tonight", "tomorrow"])
    stamps = re.findall(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d\b", out)
    assert len(stamps) == 4, "both due columns, both promises, in the one format"
    assert "T17:00" not in out and "+00:00" not in out


def test_roleplay_list_table_fits_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roleplay_cmds, "_terminal", lambda: True)
    out = render("roleplay", "list")
    words = ["late-order", "abusive-refund", "birthday", "arrived"]
    assert_readable(out, ["id", "title", "cause", "difficulty"], words)


def test_one_time_format_names_the_zone_once() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    assert when(moment, "Europe/Berlin") == "Tue 2026-12-01 17:30 Europe/Berlin"
    assert when(moment) == "Tue 2026-12-01 16:30 UTC"
    assert when(moment, "UTC", named=False) == moment.strftime(TIME_FORMAT)
    assert when(None) == "-"
