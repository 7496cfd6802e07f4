"""The QA job: every few minutes the worker asks the CSAT question of newly resolved conversations,
scores the conversations resolved (or changed) since the last run, so a scorecard follows each
resolution without anyone running `calmdesk qa --db`, and brings the analytics rollups up to
date for the days that changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huey import Huey, crontab

from calmdesk.actions import ActionContext, Actor

__all__ = ["QA_EVERY_MINUTES", "register_qa_jobs", "score_recent"]

QA_EVERY_MINUTES = 5


def score_recent(ctx: ActionContext) -> int:
    """Ask the CSAT question of newly resolved conversations, score what changed, refresh the
    rollups; returns the scorecards written."""
    from calmdesk.actions.csat import ask_pending_csat
    from calmdesk.actions.qa import score_stored_conversations
    from calmdesk.actions.qa_rollups import refresh_rollups

    actor = Actor.system("job:qa")
    ask_pending_csat(ctx, actor)
    scored = score_stored_conversations(ctx, actor).scored
    refresh_rollups(ctx)
    return scored


def register_qa_jobs(huey: Huey, context: Callable[[], ActionContext]) -> Any:
    """Register the periodic QA task on `huey`; returns its task wrapper."""

    @huey.periodic_task(crontab(minute=f"*/{QA_EVERY_MINUTES}"), name="calmdesk.qa_scores")  # type: ignore[untyped-decorator]
    def qa_scores() -> int:
        return score_recent(context())

    return qa_scores
