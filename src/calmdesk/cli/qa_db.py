"""`calmdesk qa --db`: score the stored conversations whose record changed since the last run."""

from __future__ import annotations

import typer

from calmdesk.analysis.reply import Playbook
from calmdesk.cli.common import action_context
from calmdesk.config import Settings

__all__ = ["run_db"]


def run_db(settings: Settings, playbook: Playbook, show: bool) -> None:
    """Score and store; progress (per batch) and the totals on stderr."""
    from calmdesk.actions import Actor
    from calmdesk.actions.qa import QaRun, score_stored_conversations
    from calmdesk.actions.qa_rollups import refresh_rollups

    def report(batch: QaRun) -> None:
        if show:
            typer.echo(
                f"batch: {batch.scored} scored, {batch.unchanged} unchanged, {batch.failed} failed",
                err=True,
            )

    with action_context(settings) as ctx:
        run = score_stored_conversations(
            ctx, Actor.system("qa"), playbook=playbook, progress=report
        )
        rolled = refresh_rollups(ctx)
    typer.echo(
        f"scored {run.scored} conversation(s); {run.unchanged} unchanged; {run.failed} failed; "
        f"analytics rollups: {len(rolled.days)} day(s) refreshed",
        err=True,
    )
