"""The composition root: every `calmdesk` command is registered here from its own module."""

from __future__ import annotations

import typer

from calmdesk import __version__
from calmdesk.cli import (
    analysis_cmds,
    bot_cmds,
    mail_cmds,
    models_cmds,
    qa_cmds,
    records_cmds,
    review_cmds,
    roleplay_cmds,
    suggest_cmds,
    trust_cmds,
    web_cmds,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="calmdesk",
    help="calmdesk: read customers, coach replies, keep promises. Offline, on your own machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """calmdesk: read customers, coach replies, keep promises."""


@app.command()
def version() -> None:
    """Print calmdesk's version."""
    typer.echo(__version__)


for _module in (
    analysis_cmds,
    models_cmds,
    review_cmds,
    suggest_cmds,
    records_cmds,
    web_cmds,
    roleplay_cmds,
    bot_cmds,
    qa_cmds,
    mail_cmds,
    trust_cmds,
):
    _module.register(app)


def main() -> None:
    app()
