"""Keep the analytics rollups up to date (`storage.qa_rollups`), incrementally.

`refresh_rollups` runs after each scoring run (`calmdesk qa --db` and the worker's QA job, every
5 minutes). It recomputes, from the records, only the days whose numbers may have changed since
its last run (a conversation opened or changed, a scorecard written, CSAT asked or answered, an
escalation, a customer coming back after a complaint) and the days completed since; the current
day is never rolled up (the dashboard reads it from the records). When the rollups no longer add
up to the conversations they count (records deleted by retention or erasure), it rebuilds all of
them. One transaction, holding the state row's lock, so two refreshes never interleave.

The rollups are derived data, rebuilt from the records at any time, so no audit row is written
for them; the scorecards they add up are audited where they are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext
from calmdesk.storage.qa_rollups import (
    QaDaily,
    QaDailyEscalation,
    QaDailyFailure,
    QaDailyVolume,
    QaRollupState,
    changed_days,
    collect,
    day_ranges,
    day_start,
    first_opened,
)
from calmdesk.storage.records import Conversation

__all__ = ["RollupRun", "refresh_rollups"]

OVERLAP = timedelta(minutes=2)
"""Changes are looked for from a little before the last refresh (a transaction that committed
just after it had started)."""

_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class RollupRun:
    """What a refresh did: the days it recomputed and whether it rebuilt everything."""

    days: tuple[date, ...]
    full: bool
    rolled_until: datetime


def _state(session: Session) -> QaRollupState:
    state = session.get(QaRollupState, 1, with_for_update=True)
    if state is None:
        state = QaRollupState(id=1)
        session.add(state)
        session.flush()
    return state


def _all_days(session: Session, today: datetime) -> set[date]:
    oldest = first_opened(session)
    if oldest is None or oldest >= today:
        return set()
    first = day_start(oldest).date()
    return {first + timedelta(days=i) for i in range((today.date() - first).days)}


def _rebuild(session: Session, days: set[date], *, everything: bool = False) -> None:
    """Replace the rollup rows of `days` (`everything`: all rows) by what the records add up to
    now."""
    ordered = sorted(days)
    tables: tuple[type[QaDaily | QaDailyVolume | QaDailyFailure | QaDailyEscalation], ...] = (
        QaDaily, QaDailyVolume, QaDailyFailure, QaDailyEscalation,
    )  # fmt: skip
    for rolled in tables:
        if everything:
            session.execute(delete(rolled))
            continue
        for i in range(0, len(ordered), 500):
            session.execute(delete(rolled).where(rolled.day.in_(ordered[i : i + 500])))
    for start, end in day_ranges(days):
        step = start
        while step < end:  # a month at a time: memory stays bounded on years of records
            stop = min(end, step + timedelta(days=31))
            for table, rows in collect(session, step, stop).tables():
                for i in range(0, len(rows), _CHUNK):
                    session.execute(insert(table), rows[i : i + _CHUNK])
            step = stop


def _counted(session: Session, today: datetime) -> tuple[int, int]:
    """Conversations opened before today, and how many the rollups count."""
    records = session.scalar(select(func.count()).where(Conversation.opened_at < today))
    rolled = session.scalar(select(func.coalesce(func.sum(QaDaily.conversations), 0)))
    return int(records or 0), int(rolled or 0)


def refresh_rollups(ctx: ActionContext, *, full: bool = False) -> RollupRun:
    """Bring the rollups up to date for every day before today (UTC); `full` rebuilds them all."""
    now = ctx.now()
    today = day_start(now)
    with ctx.sessions.begin() as session:
        state = _state(session)
        rebuild_all = full or state.refreshed_at is None or state.rolled_until is None
        if rebuild_all:
            days = _all_days(session, today)
        else:
            assert state.refreshed_at is not None and state.rolled_until is not None
            days = changed_days(session, state.refreshed_at - OVERLAP)
            newly = (today.date() - state.rolled_until.date()).days
            days |= {state.rolled_until.date() + timedelta(days=i) for i in range(newly)}
            days = {d for d in days if d < today.date()}
        _rebuild(session, days, everything=rebuild_all)
        records, rolled = _counted(session, today)
        if records != rolled and not rebuild_all:  # records were deleted: start again
            days, rebuild_all = _all_days(session, today), True
            _rebuild(session, days, everything=True)
            records, rolled = _counted(session, today)
        state.rolled_until, state.refreshed_at, state.conversations = today, now, rolled
    return RollupRun(tuple(sorted(days)), rebuild_all, today)
