"""Daily rollups of the analytics (issue 12): what the dashboard adds up, summed per day.

One `qa_daily` row per (UTC day of opening, team, assignee, scorecard agent) holds the additive
numbers of the conversations opened that day: how many, the scorecard sums (de-escalation,
promises, repeat contacts, QA score, review score), CSAT answers per score, retention after a
complaint, and the times themselves (medians are not additive). Volume by channel and by cause,
failed criteria and escalations have their own daily tables, as they count per value, per
criterion and per rule and reason. Each table holds only the columns its charts group by, so a
month of a busy desk is a few thousand short rows. `qa_rollup_state` says up to which day the
rollups are complete (`rolled_until`, the start of the day of the last refresh): the dashboard
reads rollups for the whole days before it and the records themselves for the rest (the current
day, and the partial days at the edges of a period).

The rows are derived data (rebuilt from the records at any time) and refer to no record by a
foreign key, so retention and erasure never have to know about them; `actions.qa_rollups`
keeps them up to date.

`collect` aggregates the records of a range of days; `changed_days` finds the days whose numbers
may have changed since a time. Both are portable SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Float, Index, Integer, String, Text, exists, or_, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from calmdesk.storage.base import Base
from calmdesk.storage.qa import CsatSurvey, QaFailure, QaScorecard
from calmdesk.storage.records import Conversation, Escalation
from calmdesk.storage.types import UTCDateTime

__all__ = [
    "QaDaily",
    "QaDailyEscalation",
    "QaDailyFailure",
    "QaDailyVolume",
    "QaRollupState",
    "Rollup",
    "came_back",
    "changed_days",
    "collect",
    "day_of",
    "day_ranges",
    "day_start",
    "first_opened",
]


class QaDaily(Base):
    """The additive numbers of one day's conversations for one team, assignee and agent."""

    __tablename__ = "qa_daily"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    week: Mapped[date] = mapped_column(Date)  # the Monday of `day`
    team_id: Mapped[int | None] = mapped_column(Integer, default=None)
    assignee_id: Mapped[int | None] = mapped_column(Integer, default=None)
    agent_id: Mapped[int | None] = mapped_column(Integer, default=None)
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    scorecards: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    upset: Mapped[int] = mapped_column(Integer, default=0)
    calmer: Mapped[int] = mapped_column(Integer, default=0)
    promises_made: Mapped[int] = mapped_column(Integer, default=0)
    promises_kept: Mapped[int] = mapped_column(Integer, default=0)
    repeat_contacts: Mapped[int] = mapped_column(Integer, default=0)
    review_n: Mapped[int] = mapped_column(Integer, default=0)
    review_sum: Mapped[float] = mapped_column(Float, default=0.0)
    csat_1: Mapped[int] = mapped_column(Integer, default=0)
    csat_2: Mapped[int] = mapped_column(Integer, default=0)
    csat_3: Mapped[int] = mapped_column(Integer, default=0)
    csat_4: Mapped[int] = mapped_column(Integer, default=0)
    csat_5: Mapped[int] = mapped_column(Integer, default=0)
    complaints_followed: Mapped[int] = mapped_column(Integer, default=0)
    back_followed: Mapped[int] = mapped_column(Integer, default=0)
    complaints_unfollowed: Mapped[int] = mapped_column(Integer, default=0)
    back_unfollowed: Mapped[int] = mapped_column(Integer, default=0)
    # medians and p90 are not additive: the day's times themselves, as JSON arrays
    first_response_values: Mapped[str] = mapped_column(Text, default="[]")
    resolution_values: Mapped[str] = mapped_column(Text, default="[]")

    __table_args__ = (Index("ix_qa_daily_day_team_id", "day", "team_id"),)
    # (the other daily tables are read by day alone; a team's rows are few per day)


class QaDailyVolume(Base):
    """How many of one day's conversations (per team and assignee) had one channel (`dimension`
    "channel") or one cause ("cause")."""

    __tablename__ = "qa_daily_volume"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    team_id: Mapped[int | None] = mapped_column(Integer, default=None)
    assignee_id: Mapped[int | None] = mapped_column(Integer, default=None)
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(40))
    n: Mapped[int] = mapped_column(Integer, default=0)


class QaDailyFailure(Base):
    """How many of one day's scorecards (per team, assignee, agent) failed one criterion."""

    __tablename__ = "qa_daily_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    team_id: Mapped[int | None] = mapped_column(Integer, default=None)
    assignee_id: Mapped[int | None] = mapped_column(Integer, default=None)
    agent_id: Mapped[int | None] = mapped_column(Integer, default=None)
    criterion: Mapped[str] = mapped_column(String(60))
    n: Mapped[int] = mapped_column(Integer, default=0)


class QaDailyEscalation(Base):
    """How many escalations one day's conversations (per team and assignee) had, by rule and
    reason (`rule` None: escalated by hand)."""

    __tablename__ = "qa_daily_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    team_id: Mapped[int | None] = mapped_column(Integer, default=None)
    assignee_id: Mapped[int | None] = mapped_column(Integer, default=None)
    rule: Mapped[str | None] = mapped_column(String(80), default=None)
    reason: Mapped[str] = mapped_column(Text)
    n: Mapped[int] = mapped_column(Integer, default=0)


class QaRollupState(Base):
    """One row: the rollups are complete for the days before `rolled_until`, as of
    `refreshed_at`; `conversations` is how many conversations they counted."""

    __tablename__ = "qa_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    rolled_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    conversations: Mapped[int] = mapped_column(Integer, default=0)


def day_start(when: datetime) -> datetime:
    """Midnight UTC of the day `when` falls on."""
    return datetime.combine(when.astimezone(UTC).date(), time(), tzinfo=UTC)


def day_of(when: datetime) -> date:
    return when.astimezone(UTC).date()


Key = tuple[date, int | None, int | None, int | None]


@dataclass(slots=True)
class Rollup:
    """The rollup rows of a range of days, as plain dicts ready to insert."""

    daily: dict[Key, dict[str, Any]] = field(default_factory=dict)
    failures: dict[tuple[Any, ...], int] = field(default_factory=lambda: defaultdict(int))
    escalations: dict[tuple[Any, ...], int] = field(default_factory=lambda: defaultdict(int))
    volume: dict[tuple[Any, ...], int] = field(default_factory=lambda: defaultdict(int))

    def tables(self) -> list[tuple[type[Base], list[dict[str, Any]]]]:
        """Each rollup table with its new rows."""
        daily, failures, escalations = self.rows()
        names = ("day", "team_id", "assignee_id", "dimension", "value")
        volume = [dict(zip(names, k, strict=True), n=n) for k, n in self.volume.items()]
        return [(QaDaily, daily), (QaDailyVolume, volume), (QaDailyFailure, failures),
                (QaDailyEscalation, escalations)]  # fmt: skip

    def rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        daily = [
            dict(row, first_response_values=json.dumps(row["first_response_values"]),
                 resolution_values=json.dumps(row["resolution_values"]))
            for row in self.daily.values()
        ]  # fmt: skip
        names = ("day", "team_id", "assignee_id", "agent_id", "criterion")
        failures = [dict(zip(names, k, strict=True), n=n) for k, n in self.failures.items()]
        names = ("day", "team_id", "assignee_id", "rule", "reason")
        escalations = [dict(zip(names, k, strict=True), n=n) for k, n in self.escalations.items()]
        return daily, failures, escalations


def _value(v: Any) -> str:
    return str(getattr(v, "value", v))


def _row(key: Key) -> dict[str, Any]:
    day = key[0]
    return {
        "day": day, "week": day - timedelta(days=day.weekday()), "team_id": key[1],
        "assignee_id": key[2], "agent_id": key[3],
        "conversations": 0, "scorecards": 0, "score_sum": 0.0, "upset": 0, "calmer": 0,
        "promises_made": 0, "promises_kept": 0, "repeat_contacts": 0, "review_n": 0,
        "review_sum": 0.0, "csat_1": 0, "csat_2": 0, "csat_3": 0, "csat_4": 0, "csat_5": 0,
        "complaints_followed": 0, "back_followed": 0, "complaints_unfollowed": 0,
        "back_unfollowed": 0, "first_response_values": [], "resolution_values": [],
    }  # fmt: skip


def came_back() -> Any:
    """Whether the scorecard's customer opened another conversation within its retention window
    (the same test the dashboard runs on the records)."""
    later = aliased(Conversation)
    return exists().where(
        later.customer_id == QaScorecard.customer_id,
        later.opened_at > QaScorecard.resolved_at,
        later.opened_at <= QaScorecard.retention_until,
    )


def _add_card(row: dict[str, Any], card: Any, cause: str) -> None:
    row["scorecards"] += 1
    row["score_sum"] += card.score
    if card.recovered is not None:
        row["upset"] += 1
        row["calmer"] += int(bool(card.recovered))
    row["promises_made"] += card.promises_made or 0
    row["promises_kept"] += card.promises_kept or 0
    row["repeat_contacts"] += int(bool(card.repeat_contact))
    if card.first_response_s is not None:
        row["first_response_values"].append(card.first_response_s)
    if card.resolution_s is not None:
        row["resolution_values"].append(card.resolution_s)
    if card.review_score is not None:
        row["review_n"] += 1
        row["review_sum"] += card.review_score
    if cause != "none" and card.retention_until is not None:
        which = "followed" if card.follow_up_done else "unfollowed"
        row[f"complaints_{which}"] += 1
        row[f"back_{which}"] += int(bool(card.back))


def collect(session: Session, start: datetime, end: datetime, where: Sequence[Any] = ()) -> Rollup:
    """The rollup of the conversations opened in [start, end) (whole UTC days for the tables;
    any period for the dashboard's current day), `where`: more conditions on `conversations`."""
    out = Rollup()
    c, s = Conversation, QaScorecard
    query = (
        select(
            c.opened_at,
            c.team_id,
            c.assignee_id,
            c.channel,
            c.cause,
            s.id.label("card"),
            s.agent_id,
            s.score,
            s.recovered,
            s.promises_made,
            s.promises_kept,
            s.repeat_contact,
            s.review_score,
            s.follow_up_done,
            s.retention_until,
            s.first_response_s,
            s.resolution_s,
            came_back().label("back"),
            CsatSurvey.score.label("csat"),
        )  # fmt: skip
        .select_from(c)
        .outerjoin(s, s.conversation_id == c.id)
        .outerjoin(CsatSurvey, CsatSurvey.conversation_id == c.id)
        .where(c.opened_at >= start, c.opened_at < end, *where)
    )
    for r in session.execute(query):
        cause = r.cause or "none"
        day = day_of(r.opened_at)
        key = (day, r.team_id, r.assignee_id, r.agent_id)
        out.volume[(day, r.team_id, r.assignee_id, "channel", _value(r.channel))] += 1
        out.volume[(day, r.team_id, r.assignee_id, "cause", cause)] += 1
        row = out.daily.get(key)
        if row is None:
            row = out.daily[key] = _row(key)
        row["conversations"] += 1
        if r.card is not None:
            _add_card(row, r, cause)
        if r.csat is not None and 1 <= r.csat <= 5:
            row[f"csat_{r.csat}"] += 1
    failures = (
        select(c.opened_at, c.team_id, c.assignee_id, s.agent_id, QaFailure.criterion)
        .select_from(QaFailure)
        .join(s, s.id == QaFailure.scorecard_id)
        .join(c, c.id == s.conversation_id)
        .where(c.opened_at >= start, c.opened_at < end, *where)
    )
    for opened, team, assignee, agent, criterion in session.execute(failures):
        out.failures[(day_of(opened), team, assignee, agent, criterion)] += 1
    escalations = (
        select(c.opened_at, c.team_id, c.assignee_id, Escalation.rule, Escalation.reason)
        .join(c, c.id == Escalation.conversation_id)
        .where(c.opened_at >= start, c.opened_at < end, *where)
    )
    for opened, team, assignee, rule, reason in session.execute(escalations):
        out.escalations[(day_of(opened), team, assignee, rule, reason)] += 1
    return out


def changed_days(session: Session, since: datetime) -> set[date]:
    """The days of opening whose rollup may have changed at or after `since`: conversations
    opened or changed, scorecards written, CSAT asked or answered, escalations, and complaints
    whose customer came back since."""
    c, s = Conversation, QaScorecard
    queries = [
        # conversations.updated_at and opened_at are indexed (storage.desk, records)
        select(c.opened_at).where(or_(c.updated_at >= since, c.opened_at >= since)),
        select(c.opened_at).join(s, s.conversation_id == c.id).where(s.scored_at >= since),
        select(c.opened_at)
        .join(CsatSurvey, CsatSurvey.conversation_id == c.id)
        .where(or_(CsatSurvey.asked_at >= since, CsatSurvey.answered_at >= since)),
        select(c.opened_at)
        .join(Escalation, Escalation.conversation_id == c.id)
        .where(Escalation.created_at >= since),
        select(s.opened_at).where(
            s.retention_until >= since,
            s.customer_id.in_(select(c.customer_id).where(c.opened_at >= since)),
        ),
    ]
    days: set[date] = set()
    for query in queries:
        days.update(day_of(v) for v in session.scalars(query))
    return days


def day_ranges(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Sorted days as [start, end) datetime ranges of consecutive days."""
    ranges: list[tuple[datetime, datetime]] = []
    for day in sorted(set(days)):
        start = datetime.combine(day, time(), tzinfo=UTC)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], start + timedelta(days=1))
        else:
            ranges.append((start, start + timedelta(days=1)))
    return ranges


def first_opened(session: Session) -> datetime | None:
    """When the oldest conversation was opened."""
    query = select(Conversation.opened_at).order_by(Conversation.opened_at).limit(1)
    return session.scalars(query).first()
