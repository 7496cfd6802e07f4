"""The numbers of the analytics dashboard (supervisors, admins): one `Chart` per question, each
with the rows the page draws and the CSV exports. Portable SQL (SQLite and PostgreSQL): counts are
grouped in the database; medians, percentiles and weekly trends are computed from the period's
rows in Python.

`scope` is the WHERE clause over `conversations` that the web's access rules give the user."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import True_

from calmdesk.storage.people import User
from calmdesk.storage.qa import CsatSurvey, QaFailure, QaScorecard
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
    where = [QaScorecard.opened_at >= f.since, QaScorecard.opened_at < f.until]
    if not isinstance(scope, True_):
        where.append(scope)
    if f.team_id is not None:
        where.append(QaScorecard.team_id == f.team_id)
    if f.agent_id is not None:
        where.append(QaScorecard.agent_id == f.agent_id)
    return where


def _card_query(scope: ColumnElement[bool], f: Filters, *columns: Any) -> Any:
    """Scorecards of the period; joined to their conversations only when the access rule needs
    it (an admin's scope is everything)."""
    query = select(*columns).select_from(QaScorecard)
    if not isinstance(scope, True_):
        query = query.join(Conversation, Conversation.id == QaScorecard.conversation_id)
    return query.where(*_cards(scope, f))


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
    """Median and p90 (nearest rank) of first response and resolution time: the period's two
    columns read once, sorted here."""
    query = _card_query(scope, f, QaScorecard.first_response_s, QaScorecard.resolution_s)
    first: list[float] = []
    resolved: list[float] = []
    for a, b in session.connection().execute(query):
        if a is not None:
            first.append(a)
        if b is not None:
            resolved.append(b)
    rows = []
    for what, values in (("first response", first), ("resolution", resolved)):
        median, p90 = (percentile(values, share) for share in (0.5, 0.9))
        rows.append([what, len(values), _round(median), _round(p90), "not recorded yet"])
    columns = ["time", "conversations", "median_s", "p90_s", "sla_target"]
    return Chart(
        "response_times",
        "First response and resolution time (seconds)",
        columns,
        rows,
        values=(2, 3),
    )


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _totals(session: Session, scope: ColumnElement[bool], f: Filters) -> list[Chart]:
    """De-escalation, promises and repeat contacts from one pass over the period's scorecards."""
    query = _card_query(
        scope,
        f,
        func.count(),
        func.count(QaScorecard.recovered),
        func.coalesce(func.sum(case((QaScorecard.recovered.is_(True), 1), else_=0)), 0),
        func.coalesce(func.sum(QaScorecard.promises_made), 0),
        func.coalesce(func.sum(QaScorecard.promises_kept), 0),
        func.coalesce(func.sum(case((QaScorecard.repeat_contact.is_(True), 1), else_=0)), 0),
    )
    total, upset, calmer, made, kept, repeat = (int(v or 0) for v in session.execute(query).one())
    return [
        Chart(
            "de_escalation",
            "De-escalation: upset conversations that ended calmer",
            ["conversations", "upset", "ended calmer", "rate"],
            [["upset conversations", upset, calmer, _rate(calmer, upset)]],
            values=(1, 2),
        ),
        Chart(
            "promises",
            "Promises kept on time (A2)",
            ["promises", "made", "kept on time", "rate"],
            [["promises", made, kept, _rate(kept, made)]],
            values=(1, 2),
        ),
        Chart(
            "repeat_contacts",
            "Repeat contacts",
            ["conversations", "scored", "repeat contacts", "rate"],
            [["scored conversations", total, repeat, _rate(repeat, total)]],
            values=(1, 2),
        ),
    ]


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
    """Complaints resolved in the period: did the customer come back (a new conversation within
    the playbook's `qa.retention_days` of the resolution), split by whether the follow-up was
    done (A3). `days` names the window in the title."""
    later = aliased(Conversation)
    back = exists().where(
        later.customer_id == QaScorecard.customer_id,
        later.opened_at > QaScorecard.resolved_at,
        later.opened_at <= QaScorecard.retention_until,
    )
    done = func.coalesce(QaScorecard.follow_up_done, False)
    query = (
        _card_query(scope, f, done, func.count(), func.sum(case((back, 1), else_=0)))
        .where(QaScorecard.cause != "none", QaScorecard.retention_until.is_not(None))
        .group_by(done)
    )
    split = {bool(d): (int(n), int(b or 0)) for d, n, b in session.execute(query)}
    rows = [
        [
            label,
            *split.get(key, (0, 0)),
            _rate(split.get(key, (0, 0))[1], split.get(key, (0, 0))[0]),
        ]
        for label, key in (("follow-up done", True), ("no follow-up", False))
    ]
    return Chart(
        "retention",
        f"Retention after a complaint (came back within {days} days)",
        ["follow-up", "complaints", "came back", "rate"],
        rows,
        values=(3,),
    )


def _most_failed(counts: Counter[str]) -> str:
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return ", ".join(f"{name} ({n})" for name, n in top)


def _agents(session: Session, scope: ColumnElement[bool], f: Filters) -> tuple[Chart, Chart]:
    """Per agent (grouped by id; names looked up once): scorecards, mean score, the criteria
    failed most, and the weekly mean review score of their replies."""
    agent = QaScorecard.agent_id
    per_agent = list(
        session.execute(
            _card_query(scope, f, agent, func.count(), func.avg(QaScorecard.score)).group_by(agent)
        )
    )
    failures = (
        _card_query(scope, f, agent, QaFailure.criterion, func.count())
        .join(QaFailure, QaFailure.scorecard_id == QaScorecard.id)
        .group_by(agent, QaFailure.criterion)
    )
    failed: dict[int | None, Counter[str]] = defaultdict(Counter)
    for who, criterion, n in session.execute(failures):
        failed[who][criterion] += int(n)
    trend_query = (
        _card_query(scope, f, agent, QaScorecard.week, func.avg(QaScorecard.review_score))
        .where(QaScorecard.review_score.is_not(None))
        .group_by(agent, QaScorecard.week)
    )
    weekly_by_id: dict[int | None, dict[str, float]] = defaultdict(dict)
    for who, week, mean in session.execute(trend_query):
        weekly_by_id[who][week] = round(float(mean), 1)
    ids = {who for who, _, _ in per_agent} | set(weekly_by_id)
    known = [i for i in ids if i is not None]
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(known))).all()
    )

    def name(who: int | None) -> str:
        return str(names.get(who, "unassigned")) if who is not None else "unassigned"

    rows = sorted(
        [name(who), int(n), round(float(mean), 1), _most_failed(failed[who])]
        for who, n, mean in per_agent
    )
    agents = Chart(
        "agents",
        "QA score per agent, and the checks they fail most",
        ["agent", "scorecards", "mean QA score", "most failed"],
        rows,
        values=(2,),
    )
    weekly = {name(who): per for who, per in weekly_by_id.items()}
    labels = sorted(weekly)
    weeks = sorted({w for per in weekly.values() for w in per})
    trend = Chart(
        "review_trend",
        "Review score of sent replies per week (does coaching work?)",
        ["week", *labels],
        [[week, *[weekly[a].get(week) for a in labels]] for week in weeks],
        kind="line",
        values=tuple(range(1, len(labels) + 1)),
    )
    return agents, trend


def dashboard(
    session: Session, scope: ColumnElement[bool], f: Filters, retention_days: int = 90
) -> list[Chart]:
    """Every chart of the dashboard, in `CHARTS` order."""
    agents, trend = _agents(session, scope, f)
    de_escalation, promises, repeat = _totals(session, scope, f)
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
        de_escalation,
        promises,
        _escalations(session, scope, f),
        repeat,
        _csat(session, scope, f),
        _retention(session, scope, f, retention_days),
        agents,
        trend,
    ]
