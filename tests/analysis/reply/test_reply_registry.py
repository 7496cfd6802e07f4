"""The check registry matches the checked-in list, and every check is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import calmdesk.analysis.reply as reply
from calmdesk.analysis.reply import check_names, checks
from calmdesk.analysis.reply.check_ids import CHECK_IDS
from calmdesk.analysis.reply.registry import NEEDS, register

HERE = Path(__file__).parent
DOCS = HERE.parents[2] / "docs" / "playbook-checks.md"


def test_registry_matches_the_checked_in_list_in_order() -> None:
    expected = [line.split() for line in (HERE / "check_names.txt").read_text().splitlines()]
    assert [[s.id, s.name] for s in checks()] == expected


def test_registry_checks_declare_known_needs_and_a_summary() -> None:
    for spec in checks():
        assert spec.needs <= NEEDS and "draft" in spec.needs
        assert len(spec.summary) > 20


def test_register_refuses_duplicates_and_unknown_needs() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register("P5", "no_blame", summary="again")(lambda ctx: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="unknown needs"):
        register("P99", "x", summary="x", needs=("crystal_ball",))
    with pytest.raises(ValueError, match="not listed in CHECK_IDS"):
        register("P15", "mediates", summary="a check the table does not name")
    with pytest.raises(ValueError, match="not listed in CHECK_IDS"):
        register("P6", "no_blame", summary="a listed name under another practice's id")


def test_the_playbook_table_of_checks_is_what_is_registered() -> None:
    """The playbook validates `checks:` against CHECK_IDS without loading the check modules."""
    assert {s.name: s.id for s in checks()} == CHECK_IDS


@pytest.mark.parametrize("spec", checks(), ids=lambda s: s.name)
def test_docs_describe_every_check(spec) -> None:
    text = DOCS.read_text(encoding="utf-8")
    heading = re.search(rf"^## {spec.id} `{spec.name}`$", text, re.MULTILINE)
    assert heading, f"docs/playbook-checks.md lacks a '## {spec.id} `{spec.name}`' section"
    section = text[heading.end() :].split("\n## ", 1)[0]
    assert "Not needed" in section and "Fails" in section


def test_reply_public_api_is_complete() -> None:
    public = {n for n in vars(reply) if not n.startswith("_") and callable(getattr(reply, n))}
    assert public <= set(reply.__all__)
    assert {"review_draft", "agent_signals", "load_playbook"} <= set(reply.__all__)


def test_reply_checks_name_stays_the_registry_after_the_check_modules_load(
    tmp_path: Path,
) -> None:
    """`calmdesk.analysis.reply.checks` is the function even once a playbook naming checks has
    loaded the check modules (a subpackage of that name once took its place)."""
    book = tmp_path / "playbook.yaml"
    book.write_text("version: 1\nchecks:\n  empathises:\n    weight: 2\n", "utf-8")
    code = (
        "import sys, calmdesk.analysis.reply as reply\n"
        f"reply.load_playbook({str(book)!r})\n"
        "import calmdesk.analysis.reply.checks\n"
        "from calmdesk.analysis.reply import checks\n"
        "assert checks is reply.checks and callable(checks), checks\n"
        "print(len(checks()))\n"
    )
    src = Path(__file__).resolve().parents[3] / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(check_names())
