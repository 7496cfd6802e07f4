"""`calmdesk analyze`: read conversations as JSON Lines (or one `--text`) and write their signals.

The input is streamed: lines are read, analysed in batches and written in input order, so memory
stays bounded whatever the number of conversations. A bad line gives `{"id", "error"}` and the
run goes on; only unusable arguments stop it (exit 2).
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from calmdesk.analysis.gcscope import fewer_collections
from calmdesk.analysis.pipeline import analyze_many, analyze_text
from calmdesk.analysis.wire import analysis_record, parse_line, peek_id
from calmdesk.cli.analysis_view import render_records
from calmdesk.cli.common import open_source
from calmdesk.config import Settings
from calmdesk.domain.conversation import Conversation
from calmdesk.domain.errors import CalmdeskError, InputError, InputTooLarge, ModelUnavailable

__all__ = ["MAX_LINE_BYTES", "analyze", "register"]

MAX_LINE_BYTES = 16 * 1024 * 1024
_CHUNK_LINES = 256
"""Records written (and flushed) together; a table shows this many at most."""
_HELD_LINES = 4096
"""Bad lines held at most, waiting for the analysis of an earlier conversation (the
conversations read ahead are bounded by the pipeline itself)."""

Line = tuple[int, bytes | CalmdeskError]


def _lines(stream: IO[bytes]) -> Iterator[Line]:
    """Numbered lines of `stream`; a line over MAX_LINE_BYTES becomes an error (and is skipped)."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield number, InputTooLarge(f"Line {number} is over {MAX_LINE_BYTES:,} bytes.")
        elif raw.strip():
            yield number, raw


def _error(cid: str | None, err: CalmdeskError) -> dict[str, Any]:
    return {"id": cid, "error": str(err)}


def _parse(number: int, raw: bytes | CalmdeskError) -> Conversation | dict[str, Any]:
    if isinstance(raw, CalmdeskError):
        return _error(None, raw)
    try:
        return parse_line(raw)
    except InputError as err:
        err.message = f"line {number}: {err.message}"
        return _error(peek_id(raw), err)


def _one(conversation: Conversation, settings: Settings) -> dict[str, Any]:
    try:
        return analysis_record(next(analyze_many([conversation], settings)))
    except ModelUnavailable:
        raise
    except CalmdeskError as err:
        return _error(conversation.id, err)


def _records(stream: IO[bytes], settings: Settings) -> Iterator[dict[str, Any]]:
    """Every line's record, in input order, from one `analyze_many` over the whole input.

    One call (not one per chunk) keeps the pipeline full: the helper process starts once, is
    given pieces all along, and the end-of-input work (its last pieces read here too) happens
    once. Memory stays bounded: the conversations read ahead are those the pipeline holds (a
    few batches), and at most `_HELD_LINES` bad lines wait for an earlier conversation's
    analysis (past that the call ends, its records are written and another call goes on). A
    failing batch's conversations are read again one at a time (each failure becomes its line's
    error record) and the run goes on with a new call."""
    lines = _lines(stream)
    pending: deque[Conversation | dict[str, Any]] = deque()
    held = 0  # bad lines in `pending`
    ended = False

    def feed() -> Iterator[Conversation]:
        nonlocal ended, held
        while held < _HELD_LINES:
            line = next(lines, None)
            if line is None:
                ended = True
                return
            item = _parse(*line)
            pending.append(item)
            if isinstance(item, Conversation):
                yield item
            else:
                held += 1

    def taken() -> Conversation | dict[str, Any]:
        nonlocal held
        item = pending.popleft()
        if isinstance(item, dict):
            held -= 1
        return item

    while True:
        try:
            for analysis in analyze_many(feed(), settings):
                while isinstance(bad := pending[0], dict):
                    taken()
                    yield bad
                record = analysis_record(analysis)
                taken()  # its conversation
                yield record
        except ModelUnavailable:
            raise
        except CalmdeskError:
            pass  # the conversations not written yet are read one at a time below
        while pending:  # bad lines after the last conversation, or those of a failed batch
            item = taken()
            yield item if isinstance(item, dict) else _one(item, settings)
        if ended:
            return


def _chunks(
    stream: IO[bytes], settings: Settings, progress: Progress | None, total: int | None = None
) -> Iterator[list[Any]]:
    """The records in lists of `_CHUNK_LINES` (written and flushed together; one table each)."""
    task = progress.add_task("analysing", total=total) if progress else None
    records = _records(stream, settings)
    while chunk := list(islice(records, _CHUNK_LINES)):
        yield chunk
        if progress is not None and task is not None:
            progress.advance(task, len(chunk))


def _progress(enabled: bool) -> Progress | None:
    if not enabled:
        return None
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    return Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True))


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None


def _write(chunks: Iterator[list[Any]], as_table: bool) -> None:
    console = Console()
    for records in chunks:
        if as_table:
            render_records(records, console)
        else:
            sys.stdout.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
            sys.stdout.flush()


def _table_wanted(fmt: str) -> bool:
    if fmt not in ("auto", "json", "table"):
        raise typer.BadParameter("use auto, json or table.", param_hint="--format")
    return fmt == "table" or (fmt == "auto" and sys.stdout.isatty())


def _run_text(text: str, settings: Settings, as_table: bool) -> None:
    record = analysis_record(analyze_text(text, settings))
    _write(iter([[record]]), as_table)


def _run_stream(source: str, settings: Settings, as_table: bool, show: bool) -> None:
    stream = open_source(source)
    total = _count_lines(Path(source)) if source != "-" else None
    progress = _progress(show)
    try:  # records are built and written with as few collections as the batches are read
        with fewer_collections():
            if progress is None:
                _write(_chunks(stream, settings, None), as_table)
                return
            with progress:
                _write(_chunks(stream, settings, progress, total), as_table)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def analyze(
    source: Annotated[
        str | None, typer.Argument(metavar="[FILE|-]", help="JSON Lines file; - reads stdin.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Analyse one message.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="auto (table on a terminal), json or table.")
    ] = "auto",
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")
    ] = True,
) -> None:
    """Signals of every turn, trend, escalation risk and reasons, one JSON object a line."""
    if source is not None and text is not None:
        raise typer.BadParameter("give either FILE or --text, not both.")
    if source is None and text is None:
        if sys.stdin.isatty():
            raise typer.BadParameter("give a FILE, - for standard input, or --text.")
        source = "-"
    as_table = _table_wanted(fmt)
    settings = Settings()
    try:
        if text is not None:
            _run_text(text, settings, as_table)
        else:
            _run_stream(source or "-", settings, as_table, progress)
    except CalmdeskError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    except BrokenPipeError:  # the reader went away (e.g. `| head`); nothing left to do
        sys.stderr.close()


def register(app: typer.Typer) -> None:
    """Add `analyze` to the root app."""
    app.command("analyze")(analyze)
