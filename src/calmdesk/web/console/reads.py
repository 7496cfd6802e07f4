"""Reads behind the console pages: the queue, one case with its context, the supervisor board.

Visibility comes from `web.access` (the same rule as the API); formatting from `console_view`.
Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calmdesk.storage.enums import AuthorRole, CommitmentStatus, ConversationStatus
from calmdesk.storage.people import User
from calmdesk.storage.records import Conversation, Turn
from calmdesk.web.access import conversation_scope
from calmdesk.web.console.view import ago, cause_label, top_emotion
from calmdesk.web.deps import StaffPrincipal

__all__ = [
    "QUEUE_VIEWS",
    "QueueRow",
    "author_names",
    "last_customer_signals",
    "local_label",
    "overdue",
    "queue_row",
    "queue_rows",
]

QUEUE_VIEWS: tuple[tuple[str, str], ...] = (
    ("active", "Active"),
    ("mine", "Mine"),
    ("escalated", "Escalated"),
    ("resolved", "Resolved"),
)
_ACTIVE = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.ESCALATED)
_LONG_WAIT = timedelta(minutes=30)
_QUEUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    customer_name: str
    standing: str
    subject: str
    channel: str
    status: str
    assignee: str
    emotion: str
    upset: float
    urgency: float
    risk: float
    trend: str
    cause_label: str
    waiting: str
    waiting_long: bool
    waited_s: float = field(default=0.0, compare=False)


def _view_conditions(view: str, user: StaffPrincipal) -> list[Any]:
    if view == "mine":
        return [Conversation.assignee_id == user.user_id, Conversation.status.in_(_ACTIVE)]
    if view == "escalated":
        return [Conversation.status == ConversationStatus.ESCALATED]
    if view == "resolved":
        return [Conversation.status.in_((ConversationStatus.RESOLVED, ConversationStatus.CLOSED))]
    return [Conversation.status.in_(_ACTIVE)]


def last_customer_signals(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The stored signals of each conversation's latest customer turn, in one query."""
    ids = list(ids)
    if not ids:
        return {}
    latest = (
        select(Turn.conversation_id, func.max(Turn.seq).label("seq"))
        .where(Turn.conversation_id.in_(ids), Turn.author_role == AuthorRole.CUSTOMER)
        .group_by(Turn.conversation_id)
        .subquery()
    )
    stmt = select(Turn.conversation_id, Turn.signals).join(
        latest, (Turn.conversation_id == latest.c.conversation_id) & (Turn.seq == latest.c.seq)
    )
    return {cid: sig for cid, sig in session.execute(stmt) if isinstance(sig, dict)}


def queue_row(c: Conversation, signals: dict[str, Any] | None, now: datetime) -> QueueRow:
    """One row of the queue: mood, cause, risk and how long the customer has waited."""
    signals = signals or {}
    waiting_since = _waiting_since(c)
    waited = (now - waiting_since).total_seconds() if waiting_since else 0.0
    return QueueRow(
        id=c.id,
        customer_name=c.customer.name,
        standing=str(c.customer.standing),
        subject=c.subject,
        channel=str(c.channel),
        status=str(c.status),
        assignee=c.assignee.display_name if c.assignee else "",
        emotion=top_emotion(signals.get("emotion"), float(c.upset or 0.0)),
        upset=float(c.upset or 0.0),
        urgency=float(signals.get("urgency") or 0.0),
        risk=float(c.escalation_risk or 0.0),
        trend=c.trend or "steady",
        cause_label=cause_label(c.cause) or "not clear yet",
        waiting=ago(waiting_since, now) if waiting_since else "answered",
        waiting_long=waited >= _LONG_WAIT.total_seconds(),
        waited_s=waited,
    )


def _waiting_since(c: Conversation) -> datetime | None:
    if c.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        return None
    if c.last_customer_at is None:
        return None
    if c.last_agent_at is not None and c.last_agent_at >= c.last_customer_at:
        return None
    return c.last_customer_at


def _urgency_key(row: QueueRow) -> tuple[float, float, float]:
    return (-round(row.risk, 2), -round(row.urgency, 2), -row.waited_s)


def queue_rows(session: Session, user: StaffPrincipal, view: str, now: datetime) -> list[QueueRow]:
    """The console queue: riskiest first, then most urgent, then longest waiting."""
    stmt = (
        select(Conversation)
        .where(conversation_scope(user), *_view_conditions(view, user))
        .order_by(Conversation.escalation_risk.desc(), Conversation.id.desc())
        .limit(_QUEUE_LIMIT)
    )
    conversations = list(session.scalars(stmt).unique().all())
    signals = last_customer_signals(session, (c.id for c in conversations))
    rows = [queue_row(c, signals.get(c.id), now) for c in conversations]
    return sorted(rows, key=_urgency_key)


def author_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the staff who wrote turns, notes or escalations."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    stmt = select(User.id, User.display_name).where(User.id.in_(ids))
    return {int(row[0]): str(row[1]) for row in session.execute(stmt).all()}


def overdue(status: CommitmentStatus, due: datetime | None, now: datetime) -> bool:
    return status is CommitmentStatus.BROKEN or (
        status is CommitmentStatus.OPEN and due is not None and due < now
    )


def local_label(at: datetime | None, tz: ZoneInfo, fmt: str = "%d %b %Y") -> str:
    """A date (`fmt`) in the team's zone; any format with a time of day becomes the page's one
    date-time format for the viewer's locale (`web.timefmt.stamp`)."""
    if at is None:
        return "—"
    if "%H" in fmt or "%I" in fmt:
        from calmdesk.web.timefmt import stamp

        return stamp(at, tz)
    return at.astimezone(tz).strftime(fmt)
