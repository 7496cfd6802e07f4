"""`calmdesk qa`: score whole conversations by the QA rubric (docs/qa.md).

`calmdesk qa [FILE|-]` reads the analyze contract (JSON Lines, no database) and writes one
scorecard a line in input order; in process by default, on a Dask cluster with `--scheduler` or
`--workers`; `--out DIR` writes Parquet instead. `calmdesk qa --db` scores the stored conversations
that changed since the last run and keeps their scorecards in the database."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from calmdesk.analysis.reply import Playbook, default_playbook, load_playbook
from calmdesk.cli.common import coded_errors, open_source
from calmdesk.config import Settings

__all__ = ["qa", "register"]


def _progress(enabled: bool) -> Progress | None:
    if not enabled:
        return None
    columns = [TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn()]
    return Progress(*columns, console=Console(stderr=True), transient=False)


def _settings(playbook: Path | None) -> tuple[Settings, Playbook]:
    settings = Settings()
    if playbook is not None:
        settings = settings.model_copy(update={"playbook_path": playbook})
    chosen = settings.playbook_path
    return settings, load_playbook(chosen) if chosen else default_playbook()


def _results(
    stream: IO[bytes], settings: Settings, book: Playbook, options: dict[str, Any], stack: ExitStack
) -> Iterator[Any]:
    from calmdesk.batch.qa import numbered_lines, run_in_process

    lines = numbered_lines(stream)
    size = options["partition"]
    if options["scheduler"] is None and options["workers"] is None:
        if options["out"] is None:
            return run_in_process(lines, settings, book, size)
        return _local_parquet(lines, settings, book, size, options["out"])
    from calmdesk.batch.cluster import cluster_client, run_on_cluster

    client = stack.enter_context(cluster_client(options["scheduler"], options["workers"]))
    results: Iterator[Any] = run_on_cluster(
        client, lines, settings, book, size=size, out_dir=options["out"], as_text=True
    )
    return results


def _local_parquet(
    lines: Any, settings: Settings, book: Playbook, size: int, out: str
) -> Iterator[tuple[int, int]]:
    from calmdesk.batch.qa import partitions, score_partition_to

    for index, part in enumerate(partitions(lines, size)):
        yield score_partition_to(part, settings, book, out, index)


def _write(results: Iterator[Any], progress: Progress | None, to_parquet: bool) -> tuple[int, int]:
    from calmdesk.batch.qa import jsonl

    task = progress.add_task("scoring conversations", total=None) if progress else None
    rows = errors = 0
    for result in results:
        if to_parquet:
            n, bad = result
        elif isinstance(result, tuple):  # JSON Lines already made by a Dask worker
            text, n, bad = result
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            n, bad = len(result), sum(1 for r in result if "error" in r)
            sys.stdout.write(jsonl(result))
            sys.stdout.flush()
        rows, errors = rows + n, errors + bad
        if progress is not None and task is not None:
            progress.advance(task, n)
    return rows, errors


def _run_db(settings: Settings, book: Playbook, show: bool) -> None:
    from calmdesk.cli.qa_db import run_db

    run_db(settings, book, show)


def qa(
    source: Annotated[
        str | None, typer.Argument(metavar="[FILE|-]", help="JSON Lines file; - reads stdin.")
    ] = None,
    db: Annotated[
        bool, typer.Option("--db", help="Score stored conversations changed since the last run.")
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on this Dask scheduler (tcp://HOST:PORT).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=256, help="Start a local Dask cluster of N workers.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write Parquet files to this folder instead of stdout.")
    ] = None,
    playbook: Annotated[Path | None, typer.Option(help="Playbook YAML file.")] = None,
    partition: Annotated[
        int, typer.Option(min=1, max=100_000, help="Conversations per partition.")
    ] = 256,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Progress on stderr.")
    ] = True,
) -> None:
    """Score conversations by the QA rubric: one JSON scorecard a line, in input order."""
    if db and (source is not None or out is not None):
        raise typer.BadParameter("--db reads the database; give no FILE and no --out with it.")
    if scheduler is not None and workers is not None:
        raise typer.BadParameter("give either --scheduler or --workers, not both.")
    with coded_errors():
        settings, book = _settings(playbook)
        if db:
            _run_db(settings, book, progress)
            return
        if source is None:
            if sys.stdin.isatty():
                raise typer.BadParameter("give a FILE, or - for standard input.")
            source = "-"
        options = {
            "scheduler": scheduler,
            "workers": workers,
            "out": str(out) if out is not None else None,
            "partition": partition,
        }
        _stream(source, settings, book, options, progress)


def _stream(
    source: str, settings: Settings, book: Playbook, options: dict[str, Any], show: bool
) -> None:
    stream = open_source(source)
    bar = _progress(show)
    try:
        with ExitStack() as stack:
            if bar is not None:
                stack.enter_context(bar)
            results = _results(stream, settings, book, options, stack)
            rows, errors = _write(results, bar, options["out"] is not None)
        where = f" into {options['out']}" if options["out"] else ""
        typer.echo(
            f"scored {rows - errors} conversation(s){where}; {errors} error line(s)", err=True
        )
    except BrokenPipeError:  # the reader went away (e.g. `| head`)
        sys.stderr.close()
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def register(app: typer.Typer) -> None:
    """Add `qa` to the root app."""
    app.command("qa")(qa)
