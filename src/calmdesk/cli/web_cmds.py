"""`calmdesk serve`: run the web app (API, console and customer chat) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from calmdesk.config import Settings
from calmdesk.domain.errors import CalmdeskError

__all__ = ["register"]


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to listen on.")] = None,
) -> None:
    """Serve calmdesk on http://HOST:PORT (default 127.0.0.1:8000, from the settings)."""
    import uvicorn

    from calmdesk.web import create_app

    settings = Settings()
    try:
        app = create_app(settings)
    except CalmdeskError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        workers=1,
        log_level="info",
        timeout_graceful_shutdown=5,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command()(serve)
