"""The numbers of the analytics dashboard (supervisors, admins): one `Chart` per question, each
with the rows the page draws and the CSV exports. Portable SQL (SQLite and PostgreSQL): counts are
grouped in the database; medians, percentiles and weekly trends are computed from the period's
rows in Python.

`scope` is the WHERE clause over `conversations` that the web's access rules give the user."""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from calmdesk.storage.people import User
from calmdesk.storage.qa import CsatSurvey, QaScorecard
from calmdesk.storage.records import Conversation, Escalation

__all__ = ["CHARTS", "Chart", "Filters", "dashboard", "percentile"]


@dataclass(frozen=True, slots=True)
class Filters:
    """The period (by opening time, [since, until)), and optionally one team or one agent."""

    since: datetime
    until: datetime
    team_id: int | None = None
    agent_id: int | None = None


@dataclass(slots=True)
class Chart:
    """One question: its table (`columns`, `rows`) and how to draw it (`kind`, label column,
    value columns)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    kind: str = "bar"
    label: int = 0
    values: tuple[int, ...] = (1,)

    def spec(self) -> dict[str, Any]:
        """The chart.js configuration of this table."""
        labels = [str(r[self.label]) for r in self.rows]
        datasets = [
            {
                "label": self.columns[i],
                "data": [r[i] if r[i] is not None else None for r in self.rows],
            }
            for i in self.values
        ]
        return {
            "type": self.kind,
            "data": {"labels": labels, "datasets": datasets},
            "options": {"animation": False, "responsive": True},
        }


CHARTS = (
    "volume_by_channel",
    "volume_by_cause",
    "response_times",
    "de_escalation",
    "promises",
    "escalations",
    "repeat_contacts",
    "csat",
    "retention",
    "agents",
    "review_trend",
)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0.5 median, 0.9 p90); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def _conversations(scope: ColumnElement[bool], f: Filters) -> list[ColumnElement[bool]]:
    where = [scope, Conversation.opened_at >= f.since, Conversation.opened_at < f.until]
    if f.team_id is not None:
        where.append(Conversation.team_id == f.team_id)
    if f.agent_id is not None:
        where.append(Conversation.assignee_id == f.agent_id)
    return where


def _cards(scope: ColumnElement[bool], f: Filters) -> list[ColumnElement[bool]]:
    where = [scope, QaScorecard.opened_at >= f.since, QaScorecard.opened_at < f.until]
    if f.team_id is not None:
        where.append(QaScorecard.team_id == f.team_id)
    if f.agent_id is not None:
        where.append(QaScorecard.agent_id == f.agent_id)
    return where


def _card_query(scope: ColumnElement[bool], f: Filters, *columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(QaScorecard)
        .join(Conversation, Conversation.id == QaScorecard.conversation_id)
        .where(*_cards(scope, f))
    )


def _volume(
    session: Session,
    scope: ColumnElement[bool],
    f: Filters,
    column: Any,
    name: str,
    title: str,
    heading: str,
) -> Chart:
    query = (
        select(column, func.count())
        .where(*_conversations(scope, f))
        .group_by(column)
        .order_by(func.count().desc(), column)
    )
    rows = [[str(v), n] for v, n in session.execute(query)]
    return Chart(name, title, [heading, "conversations"], rows)


def _rate(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None


def _times(session: Session, scope: ColumnElement[bool], f: Filters) -> Chart:
    query = _card_query(scope, f, QaScorecard.first_response_s, QaScorecard.resolution_s)
    first, resolved = [], []
    for a, b in session.execute(query):
        if a is not None:
            first.append(float(a))
        if b is not None:
            resolved.append(float(b))
    rows = [
        [what, len(vals), percentile(vals, 0.5), percentile(vals, 0.9), "not recorded yet"]
        for what, vals in (("first response", first), ("resolution", resolved))
    ]
    columns = ["time", "conversations", "median_s", "p90_s", "sla_target"]
    return Chart(
        "response_times",
        "First response and resolution time (seconds)",
        columns,
        rows,
        values=(2, 3),
    )


def _de_escalation(session: Session, scope: ColumnElement[bool], f: Filters) -> Chart:
    query = _card_query(scope, f, QaScorecard.recovered, func.count()).where(
        QaScorecard.recovered.is_not(None)
    )
    counts = {bool(r): n for r, n in session.execute(query.group_by(QaScorecard.recovered))}
    upset = sum(counts.values())
    rows = [["upset conversations", upset, counts.get(True, 0), _rate(counts.get(True, 0), upset)]]
    return Chart(
        "de_escalation",
        "De-escalation: upset conversations that ended calmer",
        ["conversations", "upset", "ended calmer", "rate"],
        rows,
        values=(1, 2),
    )


def _promises(session: Session, scope: ColumnElement[bool], f: Filters) -> Chart:
    query = _card_query(
        scope,
        f,
        func.coalesce(func.sum(QaScorecard.promises_made), 0),
        func.coalesce(func.sum(QaScorecard.promises_kept), 0),
    )
    made, kept = session.execute(query).one()
    rows = [["promises", int(made), int(kept), _rate(int(kept), int(made))]]
    return Chart(
        "promises",
        "Promises kept on time (A2)",
        ["promises", "made", "kept on time", "rate"],
        rows,
        values=(1, 2),
    )


def _escalations(session: Session, scope: ColumnElement[bool], f: Filters) -> Chart:
    rule = func.coalesce(Escalation.rule, "by hand")
    query = (
        select(rule, Escalation.reason, func.count())
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .where(*_conversations(scope, f))
        .group_by(rule, Escalation.reason)
        .order_by(func.count().desc(), rule)
        .limit(20)
    )
    rows = [[f"{r}: {reason[:60]}", r, reason, n] for r, reason, n in session.execute(query)]
    return Chart(
        "escalations",
        "Escalations by rule and reason",
        ["escalation", "rule", "reason", "count"],
        rows,
        values=(3,),
    )


def _repeat(session: Session, scope: ColumnElement[bool], f: Filters) -> Chart:
    query = _card_query(scope, f, QaScorecard.repeat_contact, func.count()).group_by(
        QaScorecard.repeat_contact
    )
    counts = {bool(r): n for r, n in session.execute(query)}
    total = sum(counts.values())
    rows = [["scored conversations", total, counts.get(True, 0), _rate(counts.get(True, 0), total)]]
    return Chart(
        "repeat_contacts",
        "Repeat contacts",
        ["conversations", "scored", "repeat contacts", "rate"],
        rows,
        values=(1, 2),
    )


def _csat(session: Session, scope: ColumnElement[bool], f: Filters) -> Chart:
    query = (
        select(CsatSurvey.score, func.count())
        .join(Conversation, Conversation.id == CsatSurvey.conversation_id)
        .where(CsatSurvey.score.is_not(None), *_conversations(scope, f))
        .group_by(CsatSurvey.score)
    )
    counts = dict(session.execute(query).all())
    rows = [[score, int(counts.get(score, 0))] for score in range(1, 6)]
    return Chart("csat", "CSAT answers (1-5)", ["score", "answers"], rows)


def _retention(session: Session, scope: ColumnElement[bool], f: Filters, days: int) -> Chart:
    """Complaints resolved in the period: did the customer come back within `days`, split by
    whether the follow-up was done (A3)."""
    query = _card_query(
        scope, f, QaScorecard.customer_id, QaScorecard.resolved_at, QaScorecard.follow_up_done
    ).where(QaScorecard.cause.not_in(("none",)), QaScorecard.resolved_at.is_not(None))
    complaints = [(c, r, d) for c, r, d in session.execute(query) if c is not None]
    customers = sorted({c for c, _, _ in complaints})
    opened: dict[int, list[datetime]] = defaultdict(list)
    for start in range(0, len(customers), 500):
        batch = customers[start : start + 500]
        found = session.execute(
            select(Conversation.customer_id, Conversation.opened_at).where(
                Conversation.customer_id.in_(batch)
            )
        )
        for customer, at in found:
            opened[customer].append(at)
    for times in opened.values():
        times.sort()
    split: dict[str, list[int]] = {"follow-up done": [0, 0], "no follow-up": [0, 0]}
    for customer, resolved, done in complaints:
        times = opened[customer]
        i = bisect.bisect_right(times, resolved)
        back = i < len(times) and times[i] <= resolved + timedelta(days=days)
        bucket = split["follow-up done" if done else "no follow-up"]
        bucket[0] += 1
        bucket[1] += int(back)
    rows = [[k, n, b, _rate(b, n)] for k, (n, b) in split.items()]
    return Chart(
        "retention",
        f"Retention after a complaint (came back within {days} days)",
        ["follow-up", "complaints", "came back", "rate"],
        rows,
        values=(3,),
    )


def _agents(session: Session, scope: ColumnElement[bool], f: Filters) -> tuple[Chart, Chart]:
    query = _card_query(
        scope,
        f,
        QaScorecard.agent_id,
        User.display_name,
        QaScorecard.score,
        QaScorecard.outcome,
        QaScorecard.review_score,
        QaScorecard.opened_at,
    ).outerjoin(User, User.id == QaScorecard.agent_id)
    scores: dict[str, list[int]] = defaultdict(list)
    failed: dict[str, Counter[str]] = defaultdict(Counter)
    weekly: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for _, name, score, outcome, review, opened in session.execute(query):
        who = name or "unassigned"
        scores[who].append(int(score))
        failed[who].update((outcome or {}).get("failed", []))
        if review is not None:
            week = (opened - timedelta(days=opened.weekday())).date().isoformat()
            weekly[who][week].append(float(review))
    rows = [
        [
            who,
            len(v),
            round(statistics.fmean(v), 1),
            ", ".join(f"{c} ({n})" for c, n in failed[who].most_common(3)),
        ]
        for who, v in sorted(scores.items())
    ]
    agents = Chart(
        "agents",
        "QA score per agent, and the checks they fail most",
        ["agent", "scorecards", "mean QA score", "most failed"],
        rows,
        values=(2,),
    )
    weeks = sorted({w for per in weekly.values() for w in per})
    trend_rows = [
        [
            week,
            *[
                round(statistics.fmean(weekly[a][week]), 1) if weekly[a].get(week) else None
                for a in sorted(weekly)
            ],
        ]
        for week in weeks
    ]
    trend = Chart(
        "review_trend",
        "Review score of sent replies per week (does coaching work?)",
        ["week", *sorted(weekly)],
        trend_rows,
        kind="line",
        values=tuple(range(1, len(weekly) + 1)),
    )
    return agents, trend


def dashboard(
    session: Session, scope: ColumnElement[bool], f: Filters, retention_days: int = 90
) -> list[Chart]:
    """Every chart of the dashboard, in `CHARTS` order."""
    agents, trend = _agents(session, scope, f)
    return [
        _volume(
            session,
            scope,
            f,
            Conversation.channel,
            "volume_by_channel",
            "Volume by channel",
            "channel",
        ),
        _volume(
            session, scope, f, Conversation.cause, "volume_by_cause", "Volume by cause", "cause"
        ),
        _times(session, scope, f),
        _de_escalation(session, scope, f),
        _promises(session, scope, f),
        _escalations(session, scope, f),
        _repeat(session, scope, f),
        _csat(session, scope, f),
        _retention(session, scope, f, retention_days),
        agents,
        trend,
    ]
