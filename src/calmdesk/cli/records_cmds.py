"""Records commands: `db upgrade`, `seed`, `import`, `export`, `worker`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from calmdesk.cli.common import action_context, coded_errors
from calmdesk.config import Settings
from calmdesk.domain.errors import InputError, NotFound

__all__ = ["register"]

db_app = typer.Typer(help="The records database: migrations.", no_args_is_help=True)
_CHECKPOINT_EVERY = 50


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the packaged migrations (checks durability settings first)."""
    from calmdesk.storage import upgrade

    with coded_errors():
        reached = upgrade(Settings().database_url, revision)
    typer.echo(f"database at revision {reached}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one this calmdesk ships."""
    from calmdesk.storage import current_revision, head_revision

    with coded_errors():
        typer.echo(f"current {current_revision(Settings().database_url)}, head {head_revision()}")


def seed() -> None:
    """Load the demo data set (idempotent) and print the demo logins."""
    from calmdesk.demo import DEMO_USERS, seed_demo

    with coded_errors(), action_context(Settings()) as ctx:
        report = seed_demo(ctx)
    typer.echo(f"created {report.created or 'nothing'}; already there {report.skipped or 'none'}")
    for username, password in DEMO_USERS.items():
        typer.echo(f"  demo login: {username} / {password}")


def import_(
    file: Annotated[Path, typer.Argument(help="JSON Lines (.jsonl) or CSV (.csv) file.")],
    analyze: Annotated[bool, typer.Option(help="Store signals for every turn.")] = True,
    restart: Annotated[bool, typer.Option(help="Ignore the checkpoint; start over.")] = False,
) -> None:
    """Import conversations; resumable, and conversations already stored are skipped."""
    from calmdesk.actions.imports import load_checkpoint

    with coded_errors():
        if not file.is_file():
            raise NotFound(f"No file at {file}.")
        with action_context(Settings()) as ctx:
            point = load_checkpoint(ctx, file)
            if restart:
                point.lines_done = point.imported = point.skipped = point.failed = 0
            run = _import_file(ctx, file, point, analyze)
    typer.echo(
        f"this run: imported {run['imported']}, skipped {run['skipped']}, failed {run['failed']}; "
        f"this file so far: imported {point.imported}, skipped {point.skipped}, "
        f"failed {point.failed} ({point.lines_done} position(s) done)"
    )


def _import_file(ctx: Any, file: Path, point: Any, analyze: bool) -> dict[str, int]:
    """Import in batches of `_CHECKPOINT_EVERY`, saving the checkpoint after each batch commits."""
    from calmdesk.actions import Actor
    from calmdesk.actions.imports import import_batch, iter_items, save_checkpoint

    run = {"imported": 0, "skipped": 0, "failed": 0}
    batch: list[Any] = []
    position = point.lines_done

    def flush() -> None:
        results = import_batch(ctx, Actor.system("import"), batch, analyze=analyze)
        for key, count in (("imported", sum(results)), ("skipped", len(results) - sum(results))):
            run[key] += count
            setattr(point, key, getattr(point, key) + count)
        point.lines_done = position
        save_checkpoint(ctx, point)
        batch.clear()

    with _progress(_count(file)) as advance:
        advance(point.lines_done)
        for position, item in iter_items(file, point.lines_done):  # noqa: B007 - read by flush
            if isinstance(item, InputError):
                run["failed"] += 1
                point.failed += 1
                typer.echo(str(item), err=True)
            else:
                batch.append(item)
            advance(1)
            if len(batch) >= _CHECKPOINT_EVERY:
                flush()
        flush()
    return run


def _count(file: Path) -> int:
    if file.suffix.lower() == ".csv":
        return 0
    with file.open("rb") as handle:
        return sum(1 for _ in handle)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    console = Console(stderr=True)
    with Progress(*columns, console=console, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("import", total=total or None)
        yield lambda n: bar.advance(task, n)


def export(
    conversation_id: Annotated[int, typer.Argument(help="The conversation's id.")],
    fmt: Annotated[str, typer.Option("--format", help="json or html.")] = "json",
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Export one conversation's whole record as JSON or readable HTML."""
    from calmdesk.actions.export import export_record

    with coded_errors(), action_context(Settings()) as ctx:
        text = export_record(ctx, conversation_id, fmt)
        if output is None:
            typer.echo(text)
        else:
            output.write_text(text, encoding="utf-8")


def worker(
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker threads.")] = 1,
) -> None:
    """Run the job worker (reminders, overdue promises, follow-ups, response timers, email)."""
    import logging

    from calmdesk.jobs import run_worker

    settings = Settings()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    where = settings.huey_path if settings.huey_backend == "sqlite" else settings.huey_backend
    typer.echo(f"calmdesk worker: queue {where}, database {settings.database_url}; Ctrl-C stops")
    with coded_errors():
        from calmdesk.channels.email.jobs import mail_worker_setup

        run_worker(settings, workers, setup=mail_worker_setup(settings))


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(db_app, name="db")
    app.command()(seed)
    app.command("import")(import_)
    app.command()(export)
    app.command()(worker)
