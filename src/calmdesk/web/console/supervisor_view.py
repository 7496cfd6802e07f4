"""The supervisor board: escalated cases, the team's overdue promises, conversations heating up."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from calmdesk.storage.enums import CommitmentStatus, ConversationStatus
from calmdesk.storage.records import Commitment, Conversation, Escalation
from calmdesk.web.access import conversation_scope
from calmdesk.web.console.channels_view import undelivered_mail
from calmdesk.web.console.reads import (
    author_names,
    last_customer_signals,
    local_label,
    queue_row,
)
from calmdesk.web.console.view import due_label
from calmdesk.web.deps import StaffPrincipal

__all__ = ["HEATING_RISK", "supervisor_board"]

HEATING_RISK = 0.5
"""A conversation that is not heating counts as hot once its escalation risk reaches this."""

_LIMIT = 50
_ACTIVE = (ConversationStatus.OPEN, ConversationStatus.PENDING)


def supervisor_board(
    session: Session, user: StaffPrincipal, tz: ZoneInfo, now: datetime
) -> dict[str, list[Any]]:
    """The three lists of the supervisor view, each limited to what `user` may see."""
    return {
        "escalated": _escalated(session, user, tz),
        "overdue": _overdue(session, user, tz, now),
        "heating": _heating(session, user, now),
        "undelivered": undelivered_mail(session, user, tz),
    }


def _escalated(session: Session, user: StaffPrincipal, tz: ZoneInfo) -> list[dict[str, Any]]:
    conversations = list(
        session.scalars(
            select(Conversation)
            .where(conversation_scope(user), Conversation.status == ConversationStatus.ESCALATED)
            .order_by(Conversation.escalation_risk.desc(), Conversation.id)
            .limit(_LIMIT)
        )
        .unique()
        .all()
    )
    latest = _latest_escalations(session, [c.id for c in conversations])
    names = author_names(session, [e.from_user_id for e in latest.values()])
    rows = []
    for c in conversations:
        esc = latest.get(c.id)
        rows.append(
            {"id": c.id, "customer_name": c.customer.name, "risk": float(c.escalation_risk or 0),
             "reason": esc.reason if esc else "", "summary": esc.summary if esc else "",
             "by": names.get(esc.from_user_id or 0, "a rule") if esc else "",
             "at_label": local_label(esc.created_at if esc else None, tz, "%d %b %H:%M")}
        )  # fmt: skip
    return rows


def _latest_escalations(session: Session, ids: list[int]) -> dict[int, Escalation]:
    if not ids:
        return {}
    stmt = select(Escalation).where(Escalation.conversation_id.in_(ids)).order_by(Escalation.id)
    return {e.conversation_id: e for e in session.scalars(stmt).all()}


def _overdue(
    session: Session, user: StaffPrincipal, tz: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    late_open = (Commitment.status == CommitmentStatus.OPEN) & (Commitment.due_at < now)
    stmt = (
        select(Commitment, Conversation)
        .join(Conversation, Conversation.id == Commitment.conversation_id)
        .where(conversation_scope(user))
        .where(or_(late_open, Commitment.status == CommitmentStatus.BROKEN))
        .where(Commitment.completed_at.is_(None))
        .order_by(Commitment.due_at)
        .limit(_LIMIT)
    )
    return [
        {"conversation_id": c.id, "customer_name": c.customer.name, "action": k.action,
         "owner": k.owner or "team", "status": str(k.status),
         "due_label": due_label(k.due_at, tz, now)}
        for k, c in session.execute(stmt).unique().all()
    ]  # fmt: skip


def _heating(session: Session, user: StaffPrincipal, now: datetime) -> list[Any]:
    hot = or_(Conversation.trend == "heating", Conversation.escalation_risk >= HEATING_RISK)
    stmt = (
        select(Conversation)
        .where(conversation_scope(user), Conversation.status.in_(_ACTIVE), hot)
        .order_by(Conversation.escalation_risk.desc(), Conversation.id)
        .limit(_LIMIT)
    )
    conversations = list(session.scalars(stmt).unique().all())
    signals = last_customer_signals(session, [c.id for c in conversations])
    return [queue_row(c, signals.get(c.id), now) for c in conversations]
