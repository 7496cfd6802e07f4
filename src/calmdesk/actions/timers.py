"""Durable timers: scheduled with a unique key, claimed with a conditional UPDATE, fired once.

This module schedules and cancels; `timer_run` claims and fires (with the handlers of
`timer_handlers`, which themselves schedule timers: the split keeps the imports one-way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext
from calmdesk.storage import Timer, TimerKind, TimerStatus

__all__ = ["Handler", "cancel_timers", "notify_scheduler", "schedule_timer"]

Handler = Callable[[Session, Timer, datetime], None]


def schedule_timer(
    session: Session, kind: TimerKind, target_id: int, due_at: datetime, tag: str = ""
) -> Timer | None:
    """Add a pending timer unless one with the same key exists; returns the new row or None."""
    key = f"{kind.value}:{target_id}" + (f":{tag}" if tag else "")
    if session.scalars(select(Timer.id).where(Timer.key == key)).first() is not None:
        return None
    timer = Timer(key=key, kind=kind, target_id=target_id, due_at=due_at)
    session.add(timer)
    return timer


def cancel_timers(session: Session, target_id: int, *kinds: TimerKind) -> None:
    """Cancel pending timers of `kinds` for `target_id` (the promise was kept, the reply sent)."""
    session.execute(
        update(Timer)
        .where(Timer.target_id == target_id, Timer.kind.in_(kinds))
        .where(Timer.status == TimerStatus.PENDING)
        .values(status=TimerStatus.CANCELLED)
    )


def notify_scheduler(ctx: ActionContext, timers: Iterable[Timer | None]) -> None:
    """After commit: hand new timers to the job queue (the periodic sweep is the safety net)."""
    for timer in timers:
        if timer is not None:
            ctx.scheduler.schedule(timer.id, timer.due_at)
