"""Durable timers: scheduled with a unique key, claimed with a conditional UPDATE, fired once.

A timer's effect runs in the same transaction as its claim, so a crash before commit leaves it
pending (it fires later, once) and a second worker or a retried job finds it already fired.
Failures are recorded on the row; a timer is retried up to `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext
from calmdesk.storage import Timer, TimerKind, TimerStatus

__all__ = [
    "MAX_ATTEMPTS",
    "Handler",
    "cancel_timers",
    "fire_due_timers",
    "fire_timer",
    "notify_scheduler",
    "schedule_timer",
]

MAX_ATTEMPTS = 3
Handler = Callable[[Session, Timer, datetime], None]
Outcome = Literal["fired", "skipped", "failed"]


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


def fire_timer(ctx: ActionContext, timer_id: int, now: datetime | None = None) -> Outcome:
    """Fire one due timer exactly once; `skipped` when it is not pending, not due or unknown."""
    from calmdesk.actions.timer_handlers import HANDLERS

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
