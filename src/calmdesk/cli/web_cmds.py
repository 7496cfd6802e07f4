"""Commands of this area; `register` adds them to the root app."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
