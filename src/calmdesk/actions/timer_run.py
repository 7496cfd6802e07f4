"""Firing durable timers: claimed with a conditional UPDATE, fired once, failures recorded.

A timer's effect runs in the same transaction as its claim, so a crash before commit leaves it
pending (it fires later, once) and a second worker or a retried job finds it already fired.
Failures are recorded on the row; a timer is retried up to `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select, update

from calmdesk.actions.context import ActionContext
from calmdesk.actions.timer_handlers import HANDLERS
from calmdesk.storage import Timer, TimerStatus

__all__ = ["MAX_ATTEMPTS", "fire_due_timers", "fire_timer"]

MAX_ATTEMPTS = 3
Outcome = Literal["fired", "skipped", "failed"]


def fire_timer(ctx: ActionContext, timer_id: int, now: datetime | None = None) -> Outcome:
    """Fire one due timer exactly once; `skipped` when it is not pending, not due or unknown."""
    when = now or ctx.now()
    try:
        with ctx.sessions.begin() as session:
            claimed = session.execute(
                update(Timer)
                .where(Timer.id == timer_id, Timer.status == TimerStatus.PENDING)
                .where(Timer.due_at <= when)
                .values(status=TimerStatus.FIRED, fired_at=when, attempts=Timer.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return "skipped"
            timer = session.get_one(Timer, timer_id, populate_existing=True)
            HANDLERS[timer.kind](session, timer, when)
    except Exception as exc:  # noqa: BLE001 - a job must record its failure, whatever it was
        _record_failure(ctx, timer_id, exc)
        return "failed"
    return "fired"


def _record_failure(ctx: ActionContext, timer_id: int, exc: Exception) -> None:
    with ctx.sessions.begin() as session:
        timer = session.get(Timer, timer_id)
        if timer is None:
            return
        timer.attempts += 1
        timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if timer.attempts >= MAX_ATTEMPTS:
            timer.status = TimerStatus.FAILED


def fire_due_timers(ctx: ActionContext, now: datetime | None = None, limit: int = 500) -> int:
    """Fire every pending timer due by `now` (the worker's periodic sweep); returns how many."""
    when = now or ctx.now()
    with ctx.sessions() as session:
        due = session.scalars(
            select(Timer.id)
            .where(Timer.status == TimerStatus.PENDING, Timer.due_at <= when)
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
        ).all()
    return sum(fire_timer(ctx, timer_id, when) == "fired" for timer_id in due)
