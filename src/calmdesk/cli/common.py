"""Pieces the command modules share: coded errors instead of tracebacks, an action context."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

from calmdesk.config import Settings
from calmdesk.domain.errors import (
    CalmdeskError,
    ConfigError,
    EmptyInput,
    InputTooLarge,
    MalformedInput,
)

if TYPE_CHECKING:
    from calmdesk.actions import ActionContext

__all__ = [
    "MAX_INPUT_BYTES",
    "action_context",
    "coded_errors",
    "open_source",
    "read_conversation_bytes",
]

MAX_INPUT_BYTES = 5_000_000
"""The most a one-conversation command (review, suggest) reads."""


def open_source(source: str) -> IO[bytes]:
    """The file named on the command line for reading in binary, or stdin for `-`."""
    if source == "-":
        return sys.stdin.buffer
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"{source} is not a readable file.", param_hint="FILE")
    try:
        return path.open("rb")
    except OSError as exc:
        raise typer.BadParameter(f"{source} cannot be read ({exc.strerror}).") from None


def read_conversation_bytes(source: str) -> bytes:
    """One conversation's bytes from a file or stdin (`-`): refused when too large or empty."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(source).open("rb") as fh:
                data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise MalformedInput(f"Cannot read {source}: {exc.strerror}.") from exc
    if len(data) > MAX_INPUT_BYTES:
        raise InputTooLarge(f"The conversation is over {MAX_INPUT_BYTES} bytes; send less.")
    if not data.strip():
        raise EmptyInput("No conversation was given; pass a JSON file or pipe one on stdin.")
    return data


@contextmanager
def coded_errors() -> Iterator[None]:
    """Print a CalmdeskError as `code: message` on stderr and exit 2."""
    try:
        yield
    except CalmdeskError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None


@contextmanager
def action_context(settings: Settings) -> Iterator[ActionContext]:
    """An action context over a migrated database; its connections are closed on the way out."""
    from calmdesk.actions import ActionContext
    from calmdesk.storage import current_revision, head_revision, make_engine, make_session_factory

    if current_revision(settings.database_url) != head_revision():
        raise ConfigError("The database is not migrated; run `calmdesk db upgrade` first.")
    engine = make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        yield ActionContext(make_session_factory(engine), settings)
    finally:
        engine.dispose()
