"""The numbers of the analytics dashboard (supervisors, QA analysts, admins): one `Chart` per
question, each with the rows the page draws and the CSV exports.

The additive numbers (`storage.qa_totals`) come from the daily rollups for the whole days before
`qa_rollup_state.rolled_until` and from the records for the rest of the period (the current day
and partial days at its edges); `rollups=False` reads everything from the records (the reference
the tests compare with). Medians and p90 are not additive: the rollups keep each day's times
themselves (JSON arrays), and the percentiles are taken over them all. Portable SQL (SQLite
and PostgreSQL).

`scope` (a `qa_totals.Scope`) is whose conversations the reader may count."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.storage.people import User
from calmdesk.storage.qa_rollups import QaRollupState
from calmdesk.storage.qa_totals import (
    Filters,
    Scope,
    Totals,
    from_recent,
    from_records,
    from_rollups,
    split,
)

__all__ = ["CHARTS", "Chart", "Filters", "Scope", "dashboard", "percentile", "totals"]


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


def _rate(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _times(t: Totals) -> Chart:
    """Median and p90 (nearest rank) of first response and resolution time."""
    rows = []
    for what, values in (("first response", t.first_response), ("resolution", t.resolution)):
        median, p90 = (percentile(values, share) for share in (0.5, 0.9))
        rows.append([what, len(values), _round(median), _round(p90), "not recorded yet"])
    columns = ["time", "conversations", "median_s", "p90_s", "sla_target"]
    return Chart(
        "response_times", "First response and resolution time (seconds)", columns, rows,
        values=(2, 3),
    )  # fmt: skip


def _volume(counts: Counter[str], name: str, title: str, heading: str) -> Chart:
    rows = [[k, n] for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n]
    return Chart(name, title, [heading, "conversations"], rows)


def _summaries(t: Totals) -> list[Chart]:
    return [
        Chart(
            "de_escalation",
            "De-escalation: upset conversations that ended calmer",
            ["conversations", "upset", "ended calmer", "rate"],
            [["upset conversations", t.upset, t.calmer, _rate(t.calmer, t.upset)]],
            values=(1, 2),
        ),
        Chart(
            "promises",
            "Promises kept on time (A2)",
            ["promises", "made", "kept on time", "rate"],
            [
                [
                    "promises",
                    t.promises_made,
                    t.promises_kept,
                    _rate(t.promises_kept, t.promises_made),
                ]
            ],  # fmt: skip
            values=(1, 2),
        ),
        Chart(
            "repeat_contacts",
            "Repeat contacts",
            ["conversations", "scored", "repeat contacts", "rate"],
            [
                [
                    "scored conversations",
                    t.scorecards,
                    t.repeat_contacts,
                    _rate(t.repeat_contacts, t.scorecards),
                ]
            ],  # fmt: skip
            values=(1, 2),
        ),
    ]


def _escalations(t: Totals) -> Chart:
    top = sorted(t.escalations.items(), key=lambda kv: (-kv[1], kv[0][0] or "", kv[0][1]))[:20]
    rows = [
        [f"{rule or 'by hand'}: {reason[:60]}", rule or "by hand", reason, n]
        for (rule, reason), n in top
    ]
    return Chart(
        "escalations", "Escalations by rule and reason", ["escalation", "rule", "reason", "count"],
        rows, values=(3,),
    )  # fmt: skip


def _csat(t: Totals) -> Chart:
    rows = [[score, int(t.csat.get(score, 0))] for score in range(1, 6)]
    return Chart("csat", "CSAT answers (1-5)", ["score", "answers"], rows)


def _retention(t: Totals, days: int) -> Chart:
    """Complaints (a cause other than none) resolved: did the customer come back (a new
    conversation within the playbook's `qa.retention_days` of the resolution), split by whether
    the follow-up was done (A3). `days` names the window in the title."""
    rows = [
        [label, t.complaints[key], t.came_back[key], _rate(t.came_back[key], t.complaints[key])]
        for label, key in (("follow-up done", True), ("no follow-up", False))
    ]
    return Chart(
        "retention", f"Retention after a complaint (came back within {days} days)",
        ["follow-up", "complaints", "came back", "rate"], rows, values=(3,),
    )  # fmt: skip


def _most_failed(counts: Counter[str]) -> str:
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    return ", ".join(f"{name} ({n})" for name, n in top if n)


def _agents(session: Session, t: Totals) -> tuple[Chart, Chart]:
    """Per agent (names looked up once): scorecards, mean score, the criteria failed most, and
    the weekly mean review score of their replies."""
    ids = {who for who, n in t.agent_cards.items() if n} | {who for who, _ in t.review_n}
    known = [i for i in ids if i is not None]
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(known))).all()
    )

    def name(who: int | None) -> str:
        return str(names.get(who, "unassigned")) if who is not None else "unassigned"

    rows = sorted(
        [name(who), int(n), round(t.agent_score[who] / n, 1), _most_failed(t.failed[who])]
        for who, n in t.agent_cards.items()
        if n
    )
    agents = Chart(
        "agents", "QA score per agent, and the checks they fail most",
        ["agent", "scorecards", "mean QA score", "most failed"], rows, values=(2,),
    )  # fmt: skip
    weekly: dict[str, dict[str, float]] = {}
    for (who, week), n in t.review_n.items():
        if n:
            weekly.setdefault(name(who), {})[week] = round(t.review_sum[(who, week)] / n, 1)
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


def totals(session: Session, scope: Scope, f: Filters, *, rollups: bool = True) -> Totals:
    """The additive numbers of the period: rollups for its whole rolled-up days, the records
    for the rest (`rollups=False`: the records only)."""
    if not rollups:
        return from_records(session, scope, f)
    state = session.get(QaRollupState, 1)
    before, middle, after = split(f, state.rolled_until if state is not None else None)
    out = from_recent(session, scope, before)
    out = out.add(from_rollups(session, scope, middle))
    return out.add(from_recent(session, scope, after))


def dashboard(
    session: Session,
    scope: Scope,
    f: Filters,
    retention_days: int = 90,
    *,
    rollups: bool = True,
) -> list[Chart]:
    """Every chart of the dashboard, in `CHARTS` order."""
    t = totals(session, scope, f, rollups=rollups)
    agents, trend = _agents(session, t)
    de_escalation, promises, repeat = _summaries(t)
    return [
        _volume(t.channels, "volume_by_channel", "Volume by channel", "channel"),
        _volume(t.causes, "volume_by_cause", "Volume by cause", "cause"),
        _times(t),
        de_escalation,
        promises,
        _escalations(t),
        repeat,
        _csat(t),
        _retention(t, retention_days),
        agents,
        trend,
    ]
