"""Every command the CLI offers is documented in docs/cli.md (a new command without a row fails)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from calmdesk.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(group: Any, prefix: str = "calmdesk") -> Iterator[str]:
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a command group such as `db` or `models`
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


def _documented() -> set[str]:
    """The command words of each table row: `calmdesk db upgrade [...]` -> `calmdesk db upgrade`."""
    found = set()
    for line in DOC.read_text("utf-8").splitlines():
        if line.startswith("| `calmdesk"):
            words = line.split("`")[1].split()
            found.add(" ".join(w for w in words if w.islower() and w[0].isalpha()))
    return found


def test_cli_every_command_has_a_row_in_the_docs() -> None:
    commands = set(_commands(typer.main.get_command(app)))
    assert {"calmdesk analyze", "calmdesk db upgrade", "calmdesk serve"} <= commands
    missing = commands - _documented()
    assert not missing, f"document these commands in docs/cli.md: {sorted(missing)}"
