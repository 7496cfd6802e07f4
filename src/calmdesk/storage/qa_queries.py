"""Reads of the QA workspace: a conversation's scorecard with its overrides and responses, the
sampling queues, calibration. `scope` is a WHERE clause over `conversations` (who may see what is
decided by the web's access rules and passed in)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from calmdesk.storage.people import User
from calmdesk.storage.qa import QaOverride, QaResponse, QaScorecard
from calmdesk.storage.records import Conversation

__all__ = [
    "CalibrationRow",
    "QueueRow",
    "calibration",
    "card_history",
    "highest_risk",
    "lowest_scores",
    "random_per_agent",
    "scorecard_of",
]


@dataclass(frozen=True, slots=True)
class QueueRow:
    conversation_id: int
    subject: str
    score: int
    risk: float
    agent: str
    agent_id: int | None
    scored_at: datetime


def _rows(session: Session, query: Any) -> list[QueueRow]:
    return [
        QueueRow(
            c.id,
            c.subject,
            card.score,
            float(c.escalation_risk or 0.0),
            name or "",
            card.agent_id,
            card.scored_at,
        )  # fmt: skip
        for card, c, name in session.execute(query)
    ]


def _base(scope: ColumnElement[bool]) -> Any:
    return (
        select(QaScorecard, Conversation, User.display_name)
        .join(Conversation, Conversation.id == QaScorecard.conversation_id)
        .outerjoin(User, User.id == QaScorecard.agent_id)
        .where(scope)
    )


def scorecard_of(session: Session, conversation_id: int) -> QaScorecard | None:
    query = select(QaScorecard).where(QaScorecard.conversation_id == conversation_id)
    return session.scalars(query).first()


def card_history(session: Session, scorecard_id: int) -> tuple[list[QaOverride], list[QaResponse]]:
    """The overrides and the agent's responses of a scorecard, oldest first."""
    overrides = session.scalars(
        select(QaOverride).where(QaOverride.scorecard_id == scorecard_id).order_by(QaOverride.id)
    )
    responses = session.scalars(
        select(QaResponse).where(QaResponse.scorecard_id == scorecard_id).order_by(QaResponse.id)
    )
    return list(overrides), list(responses)


def lowest_scores(session: Session, scope: ColumnElement[bool], limit: int = 20) -> list[QueueRow]:
    return _rows(session, _base(scope).order_by(QaScorecard.score, QaScorecard.id).limit(limit))


def highest_risk(session: Session, scope: ColumnElement[bool], limit: int = 20) -> list[QueueRow]:
    query = _base(scope).order_by(Conversation.escalation_risk.desc(), QaScorecard.id)
    return _rows(session, query.limit(limit))


def random_per_agent(
    session: Session, scope: ColumnElement[bool], week_start: datetime, n: int = 3
) -> dict[str, list[QueueRow]]:
    """N scorecards per agent from the week starting `week_start`, drawn by a hash of the week
    and the scorecard (the same sample all week long; a new one each week)."""
    end = week_start + timedelta(days=7)
    query = _base(scope).where(QaScorecard.opened_at >= week_start, QaScorecard.opened_at < end)
    by_agent: dict[str, list[QueueRow]] = defaultdict(list)
    for row in _rows(session, query):
        by_agent[row.agent or "unassigned"].append(row)
    salt = week_start.date().isoformat()

    def draw(row: QueueRow) -> str:
        return hashlib.sha256(f"{salt}:{row.conversation_id}".encode()).hexdigest()

    return {agent: sorted(rows, key=draw)[:n] for agent, rows in sorted(by_agent.items())}


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """How often analysts disagree with one automatic criterion."""

    criterion: str
    reviewed: int
    changed: int

    @property
    def rate(self) -> float:
        return self.changed / self.reviewed if self.reviewed else 0.0


def calibration(session: Session, scope: ColumnElement[bool]) -> list[CalibrationRow]:
    """Per criterion: analyst verdicts, and how many differed from the automatic one (most
    overridden first). Only the newest verdict per scorecard and criterion counts."""
    newest = (
        select(func.max(QaOverride.id))
        .join(QaScorecard, QaScorecard.id == QaOverride.scorecard_id)
        .join(Conversation, Conversation.id == QaScorecard.conversation_id)
        .where(scope)
        .group_by(QaOverride.scorecard_id, QaOverride.criterion)
    )
    rows = session.execute(
        select(QaOverride.criterion, QaOverride.automatic, QaOverride.status).where(
            QaOverride.id.in_(newest)
        )
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for criterion, automatic, status in rows:
        counts[criterion][0] += 1
        counts[criterion][1] += int(automatic != status)
    out = [CalibrationRow(c, n, changed) for c, (n, changed) in counts.items()]
    return sorted(out, key=lambda r: (-r.rate, -r.reviewed, r.criterion))
