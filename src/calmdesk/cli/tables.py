"""Tables and times as every command prints them: readable at 80 columns, one time format.

A column is declared with how it may give way on a narrow terminal: `short` columns (scores,
states) never wrap and are never narrower than their header; `text` columns fold at word
boundaries; `clip` columns (ids, at most 24 wide) end in an ellipsis. Headers stay whole at 80
columns, and the long cells (reasons, fixes, quotes) take the room that is left. Headers are
kept short (a zone goes in the title), so no column must be wider than the room it gets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

__all__ = [
    "CLIP_WIDTH",
    "TIME_FORMAT",
    "Col",
    "console",
    "make_table",
    "print_rows",
    "when",
    "words",
]

TIME_FORMAT = "%a %Y-%m-%d %H:%M"
"""The one time format of the CLI's text output: `Tue 2026-12-01 17:00` (then the zone)."""

Fit = Literal["short", "text", "clip"]
CLIP_WIDTH = 24
"""The most a `clip` column (an id, a title) takes before it ends in an ellipsis."""


@dataclass(frozen=True, slots=True)
class Col:
    """A column: its header, how it gives way when narrow, and (text columns) its share."""

    header: str
    fit: Fit = "text"
    ratio: int = 1


def console() -> Console:
    """The console a command prints its tables on (width from the terminal or $COLUMNS)."""
    return Console()


def make_table(title: str | None, columns: Iterable[Col]) -> Table:
    """A rich table whose headers stay whole and whose long cells fold (or clip) to fit."""
    table = Table(title=title, show_lines=False, pad_edge=False, collapse_padding=True)
    for col in columns:
        if col.fit == "short":
            table.add_column(col.header, no_wrap=True, min_width=len(col.header))
        else:
            overflow: Literal["fold", "ellipsis"] = "fold" if col.fit == "text" else "ellipsis"
            table.add_column(
                col.header,
                overflow=overflow,
                no_wrap=col.fit == "clip",
                min_width=len(col.header),
                max_width=CLIP_WIDTH if col.fit == "clip" else None,
                ratio=col.ratio,
            )
    return table


def print_rows(
    title: str | None, columns: Sequence[Col], rows: Iterable[Sequence[object]], terminal: bool
) -> None:
    """Rows as a table a person reads on a terminal, else as tab-separated lines with a header
    (what scripts parse): the same data either way."""
    if not terminal:
        typer.echo("\t".join(c.header for c in columns))
        for row in rows:
            typer.echo("\t".join(str(v) for v in row))
        return
    table = make_table(title, columns)
    for row in rows:
        table.add_row(*(str(v) for v in row))
    console().print(table)


def when(moment: datetime | None, zone: str | None = None, *, named: bool = True) -> str:
    """A time in the CLI's one format, in `zone` (default: the time's own zone), the zone named
    unless `named` is false (a column whose header names it)."""
    if moment is None:
        return "-"
    local = moment.astimezone(ZoneInfo(zone)) if zone else moment
    shown = local.strftime(TIME_FORMAT)
    return f"{shown} {zone or local.tzname() or 'UTC'}" if named else shown


def words(name: str) -> str:
    """An internal value (`not_needed`, `delivery_delay`) as words a person reads."""
    return name.replace("_", " ")
