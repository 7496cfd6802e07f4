"""The additive numbers behind the analytics dashboard, read two ways that give the same result:
from the records themselves (`from_records`) and from the daily rollups (`from_rollups`); the
dashboard adds them up (`Totals.add`) over a period split into whole rolled-up days and the rest.

Who sees what (`Scope`) and what the filters mean are the same in both: the period is the
conversations' opening time; the team and the scope are the conversation's team and assignee;
the agent filter is the conversation's assignee for volume, escalations and CSAT, and the
scorecard's agent (who wrote most of the replies) for the QA numbers."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from calmdesk.storage.qa import CsatSurvey, QaFailure, QaScorecard
from calmdesk.storage.qa_rollups import (
    QaDaily,
    QaDailyEscalation,
    QaDailyFailure,
    QaDailyVolume,
    came_back,
    collect,
)
from calmdesk.storage.records import Conversation, Escalation

__all__ = ["Filters", "Scope", "Totals", "from_recent", "from_records", "from_rollups", "split"]


@dataclass(frozen=True, slots=True)
class Filters:
    """The period (by opening time, [since, until)), and optionally one team or one agent."""

    since: datetime
    until: datetime
    team_id: int | None = None
    agent_id: int | None = None

    def between(self, since: datetime, until: datetime) -> Filters:
        return Filters(since, until, self.team_id, self.agent_id)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose conversations a reader may count: everyone's (`everyone`), else those of
    `team_id` and those assigned to `user_id` (the web's rule for supervisors and analysts)."""

    everyone: bool = True
    team_id: int | None = None
    user_id: int | None = None

    def over(self, team: Any, assignee: Any, *, by_time: bool = False) -> ColumnElement[bool]:
        """The WHERE clause over these columns; `by_time` hides it from the index choice, so
        the database reads a short period by its time index (SQLite would rather merge the
        team and assignee indexes, a hundred times more rows)."""
        if self.everyone:
            return true()
        parts = []
        if self.team_id is not None:
            parts.append(team == self.team_id)
        if self.user_id is not None:
            parts.append(assignee == self.user_id)
        if not parts:
            return false()
        if by_time:
            return case((or_(*parts), 1), else_=0) == 1
        return or_(*parts)


@dataclass(slots=True)
class Totals:
    """Everything additive the dashboard shows."""

    channels: Counter[str] = field(default_factory=Counter)
    causes: Counter[str] = field(default_factory=Counter)
    scorecards: int = 0
    upset: int = 0
    calmer: int = 0
    promises_made: int = 0
    promises_kept: int = 0
    repeat_contacts: int = 0
    csat: Counter[int] = field(default_factory=Counter)
    complaints: Counter[bool] = field(default_factory=Counter)  # by follow-up done
    came_back: Counter[bool] = field(default_factory=Counter)
    agent_cards: Counter[int | None] = field(default_factory=Counter)
    agent_score: defaultdict[int | None, float] = field(default_factory=lambda: defaultdict(float))
    failed: defaultdict[int | None, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    review_n: Counter[tuple[int | None, str]] = field(default_factory=Counter)
    review_sum: defaultdict[tuple[int | None, str], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    escalations: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    first_response: list[float] = field(default_factory=list)  # seconds, unsorted
    resolution: list[float] = field(default_factory=list)

    def add(self, other: Totals) -> Totals:
        """These totals and `other`'s together (a new object)."""
        out = Totals()
        for name in ("channels", "causes", "csat", "complaints", "came_back", "agent_cards",
                     "review_n", "escalations"):  # fmt: skip
            setattr(out, name, getattr(self, name) + getattr(other, name))
        for name in ("scorecards", "upset", "calmer", "promises_made", "promises_kept",
                     "repeat_contacts"):  # fmt: skip
            setattr(out, name, getattr(self, name) + getattr(other, name))
        for name in ("agent_score", "review_sum"):
            merged: defaultdict[Any, float] = defaultdict(float)
            for source in (getattr(self, name), getattr(other, name)):
                for key, value in source.items():
                    merged[key] += value
            setattr(out, name, merged)
        for source in (self.failed, other.failed):
            for who, counts in source.items():
                out.failed[who].update(counts)
        out.first_response = self.first_response + other.first_response
        out.resolution = self.resolution + other.resolution
        return out


def _value(v: Any) -> str:
    return str(getattr(v, "value", v))


def _yes(column: Any) -> Any:
    """How many rows have `column` true."""
    return func.coalesce(func.sum(case((column.is_(True), 1), else_=0)), 0)


def _conv_where(scope: Scope, f: Filters, *, by_agent: bool) -> list[ColumnElement[bool]]:
    c = Conversation
    where = [
        scope.over(c.team_id, c.assignee_id, by_time=True),
        c.opened_at >= f.since,
        c.opened_at < f.until,
    ]
    if f.team_id is not None:
        where.append(c.team_id == f.team_id)
    if f.agent_id is not None:
        where.append((QaScorecard.agent_id if by_agent else c.assignee_id) == f.agent_id)
    return where


def _cards(scope: Scope, f: Filters, *columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(QaScorecard)
        .join(Conversation, Conversation.id == QaScorecard.conversation_id)
        .where(*_conv_where(scope, f, by_agent=True))
    )


def from_records(session: Session, scope: Scope, f: Filters) -> Totals:
    """The totals of the period read from the records (conversations, scorecards, CSAT,
    escalations): for the current day, the edges of a period, and as the reference."""
    out = Totals()
    if f.since >= f.until:
        return out
    c, s = Conversation, QaScorecard
    where = _conv_where(scope, f, by_agent=False)
    for channel, cause, n in session.execute(
        select(c.channel, c.cause, func.count()).where(*where).group_by(c.channel, c.cause)
    ):
        out.channels[_value(channel)] += n
        out.causes[cause or "none"] += n
    row = session.execute(
        _cards(
            scope,
            f,
            func.count(),
            func.count(s.recovered),
            _yes(s.recovered),
            func.coalesce(func.sum(s.promises_made), 0),
            func.coalesce(func.sum(s.promises_kept), 0),
            _yes(s.repeat_contact),
        )  # fmt: skip
    ).one()
    (out.scorecards, out.upset, out.calmer, out.promises_made, out.promises_kept,
     out.repeat_contacts) = (int(v or 0) for v in row)  # fmt: skip
    csat = (
        select(CsatSurvey.score, func.count())
        .join(c, c.id == CsatSurvey.conversation_id)
        .where(CsatSurvey.score.is_not(None), *where)
        .group_by(CsatSurvey.score)
    )
    out.csat.update({int(k): int(n) for k, n in session.execute(csat) if k and 1 <= k <= 5})
    done = func.coalesce(s.follow_up_done, False)
    retention = (
        _cards(scope, f, done, func.count(), func.sum(case((came_back(), 1), else_=0)))
        .where(func.coalesce(c.cause, "none") != "none", s.retention_until.is_not(None))
        .group_by(done)
    )
    for d, n, back in session.execute(retention):
        out.complaints[bool(d)] += int(n)
        out.came_back[bool(d)] += int(back or 0)
    _agents_from_records(session, scope, f, out)
    escalations = (
        select(Escalation.rule, Escalation.reason, func.count())
        .join(c, c.id == Escalation.conversation_id)
        .where(*where)
        .group_by(Escalation.rule, Escalation.reason)
    )
    for rule, reason, n in session.execute(escalations):
        out.escalations[(rule, reason)] += int(n)
    return out


def _agents_from_records(session: Session, scope: Scope, f: Filters, out: Totals) -> None:
    s = QaScorecard
    for who, n, total in session.execute(
        _cards(scope, f, s.agent_id, func.count(), func.sum(s.score)).group_by(s.agent_id)
    ):
        out.agent_cards[who] += int(n)
        out.agent_score[who] += float(total or 0)
    failures = (
        _cards(scope, f, s.agent_id, QaFailure.criterion, func.count())
        .join(QaFailure, QaFailure.scorecard_id == s.id)
        .group_by(s.agent_id, QaFailure.criterion)
    )
    for who, criterion, n in session.execute(failures):
        out.failed[who][criterion] += int(n)
    trend = (
        _cards(scope, f, s.agent_id, s.week, func.count(), func.sum(s.review_score))
        .where(s.review_score.is_not(None))
        .group_by(s.agent_id, s.week)
    )
    for who, week, n, total in session.execute(trend):
        out.review_n[(who, week)] += int(n)
        out.review_sum[(who, week)] += float(total or 0)
    for first, resolution in session.execute(_cards(scope, f, s.first_response_s, s.resolution_s)):
        if first is not None:
            out.first_response.append(first)
        if resolution is not None:
            out.resolution.append(resolution)


def from_recent(session: Session, scope: Scope, f: Filters) -> Totals:
    """The same totals as `from_records`, for a short period (the current day, the partial days
    at a period's edges) in three reads: the period's rows are added up here, by the code that
    builds the rollups."""
    out = Totals()
    if f.since >= f.until:
        return out
    c = Conversation
    where = [scope.over(c.team_id, c.assignee_id, by_time=True)]
    if f.team_id is not None:
        where.append(c.team_id == f.team_id)
    rolled = collect(session, f.since, f.until, where)
    agent = f.agent_id
    for (_, _, assignee, dimension, value), n in rolled.volume.items():
        if agent is None or assignee == agent:
            (out.channels if dimension == "channel" else out.causes)[value] += n
    for (_, _, assignee, who), row in rolled.daily.items():
        if agent is None or assignee == agent:
            out.csat.update({i: row[f"csat_{i}"] for i in range(1, 6) if row[f"csat_{i}"]})
        if agent is None or who == agent:
            _add_daily(out, who, row)
    for (_, _, _, who, criterion), n in rolled.failures.items():
        if agent is None or who == agent:
            out.failed[who][criterion] += n
    for (_, _, assignee, rule, reason), n in rolled.escalations.items():
        if agent is None or assignee == agent:
            out.escalations[(rule, reason)] += n
    return out


def _add_daily(out: Totals, who: int | None, row: dict[str, Any]) -> None:
    """One rollup row's scorecard numbers (as `collect` builds them) into `out`."""
    for name in ("upset", "calmer", "promises_made", "promises_kept", "repeat_contacts"):
        setattr(out, name, getattr(out, name) + row[name])
    out.scorecards += row["scorecards"]
    if row["scorecards"]:
        out.agent_cards[who] += row["scorecards"]
        out.agent_score[who] += row["score_sum"]
    if row["review_n"]:
        week = row["week"].isoformat()
        out.review_n[(who, week)] += row["review_n"]
        out.review_sum[(who, week)] += row["review_sum"]
    for done, which in ((True, "followed"), (False, "unfollowed")):
        if row[f"complaints_{which}"]:
            out.complaints[done] += row[f"complaints_{which}"]
            out.came_back[done] += row[f"back_{which}"]
    out.first_response.extend(row["first_response_values"])
    out.resolution.extend(row["resolution_values"])


def _days(f: Filters) -> tuple[date, date]:
    return f.since.astimezone(UTC).date(), f.until.astimezone(UTC).date()


def _daily_where(table: Any, scope: Scope, f: Filters, agent: Any) -> list[ColumnElement[bool]]:
    first, end = _days(f)
    where = [scope.over(table.team_id, table.assignee_id), table.day >= first, table.day < end]
    if f.team_id is not None:
        where.append(table.team_id == f.team_id)
    if f.agent_id is not None and agent is not None:
        where.append(agent == f.agent_id)
    return where


def from_rollups(session: Session, scope: Scope, f: Filters) -> Totals:
    """The totals of whole days [since, until) (both midnight UTC) read from the rollups."""
    out = Totals()
    if f.since >= f.until:
        return out
    d, v = QaDaily, QaDailyVolume
    for dimension, value, n in session.execute(
        select(v.dimension, v.value, func.sum(v.n))
        .where(*_daily_where(v, scope, f, v.assignee_id))
        .group_by(v.dimension, v.value)
    ):
        (out.channels if dimension == "channel" else out.causes)[value] += int(n or 0)
    by_assignee = _daily_where(d, scope, f, d.assignee_id)
    csat = session.execute(
        select(*[func.coalesce(func.sum(getattr(d, f"csat_{i}")), 0) for i in range(1, 6)])
        .where(*by_assignee)
    ).one()  # fmt: skip
    out.csat.update({i: int(n) for i, n in enumerate(csat, start=1) if n})
    by_agent = _daily_where(d, scope, f, d.agent_id)
    sums = (
        "upset", "calmer", "promises_made", "promises_kept", "repeat_contacts",
        "complaints_followed", "back_followed", "complaints_unfollowed", "back_unfollowed",
    )  # fmt: skip
    row = session.execute(
        select(*[func.coalesce(func.sum(getattr(d, name)), 0) for name in sums]).where(*by_agent)
    ).one()
    values = dict(zip(sums, (int(v) for v in row), strict=True))
    for name in sums[:5]:
        setattr(out, name, values[name])
    for done, which in ((True, "followed"), (False, "unfollowed")):
        if values[f"complaints_{which}"]:
            out.complaints[done] = values[f"complaints_{which}"]
            out.came_back[done] = values[f"back_{which}"]
    for who, n, total in session.execute(
        select(d.agent_id, func.sum(d.scorecards), func.sum(d.score_sum))
        .where(*by_agent, d.scorecards > 0)
        .group_by(d.agent_id)
    ):
        out.agent_cards[who] += int(n)
        out.agent_score[who] += float(total)
    out.scorecards = sum(out.agent_cards.values())
    for first, resolution in session.execute(
        select(d.first_response_values, d.resolution_values).where(*by_agent, d.scorecards > 0)
    ):
        out.first_response.extend(json.loads(first))
        out.resolution.extend(json.loads(resolution))
    for who, week, n, total in session.execute(
        select(d.agent_id, d.week, func.sum(d.review_n), func.sum(d.review_sum))
        .where(*by_agent, d.review_n > 0)
        .group_by(d.agent_id, d.week)
    ):
        out.review_n[(who, week.isoformat())] += int(n)
        out.review_sum[(who, week.isoformat())] += float(total)
    fl = QaDailyFailure
    for who, criterion, n in session.execute(
        select(fl.agent_id, fl.criterion, func.sum(fl.n))
        .where(*_daily_where(fl, scope, f, fl.agent_id))
        .group_by(fl.agent_id, fl.criterion)
    ):
        out.failed[who][criterion] += int(n)
    e = QaDailyEscalation
    for rule, reason, n in session.execute(
        select(e.rule, e.reason, func.sum(e.n))
        .where(*_daily_where(e, scope, f, e.assignee_id))
        .group_by(e.rule, e.reason)
    ):
        out.escalations[(rule, reason)] += int(n)
    return out


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def split(f: Filters, rolled_until: datetime | None) -> tuple[Filters, Filters, Filters]:
    """The period as (records before, whole rolled-up days, records after)."""
    if rolled_until is None:
        return f, f.between(f.until, f.until), f.between(f.until, f.until)
    first = midnight(f.since.astimezone(UTC).date())
    if first < f.since:
        first += timedelta(days=1)
    last = min(midnight(f.until.astimezone(UTC).date()), rolled_until)
    if first >= last:
        return f, f.between(f.until, f.until), f.between(f.until, f.until)
    return f.between(f.since, first), f.between(first, last), f.between(last, f.until)
