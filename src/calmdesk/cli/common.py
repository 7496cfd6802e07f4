"""Pieces the command modules share: coded errors instead of tracebacks, an action context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from calmdesk.config import Settings
from calmdesk.domain.errors import CalmdeskError, ConfigError

if TYPE_CHECKING:
    from calmdesk.actions import ActionContext

__all__ = ["action_context", "coded_errors"]


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
