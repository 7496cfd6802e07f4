"""One case as the console shows it: transcript with annotations, risk, promises, profile, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.storage.enums import AuthorRole, CommitmentStatus, ConversationStatus
from calmdesk.storage.people import Customer
from calmdesk.storage.records import Commitment, Conversation, Escalation, FollowUp, Note, Turn
from calmdesk.web.access import conversation_for, conversation_scope
from calmdesk.web.console.channels_view import turn_channels
from calmdesk.web.console.desk_view import DeskPanel, desk_panel
from calmdesk.web.console.reads import author_names, local_label, overdue
from calmdesk.web.console.view import TurnView, chart_for, due_label, turn_view
from calmdesk.web.deps import StaffPrincipal
from calmdesk.web.markup import UpsetChart

__all__ = ["CaseView", "CustomerView", "case_view", "transcript_view"]

_HISTORY_LIMIT = 10


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    name: str
    tier: str
    email: str
    standing: str
    standing_reason: str
    since: str
    orders: int
    lifetime_value: str
    contacts: int
    complaints: int
    bad_experiences: list[str]
    history: list[dict[str, Any]]


@dataclass(slots=True)
class CaseView:
    id: int
    subject: str
    channel: str
    status: str
    opened_label: str
    assignee: str
    customer: CustomerView
    turns: list[TurnView]
    last_id: int
    risk_pct: int
    risk_level: str
    trend: str
    customer_turns: int
    reasons: list[str]
    chart: UpsetChart | None
    outcome: str
    escalation: dict[str, str] | None = None
    escalation_notice: str = ""
    notes: list[dict[str, str]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    chat_link: str = ""
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)  # web.console_channels
    desk: DeskPanel | None = None  # who holds the case, SLA time left, tags, what you may do


def transcript_view(
    session: Session, conversation: Conversation, tz: ZoneInfo
) -> tuple[list[TurnView], list[Any]]:
    """The turns as the console shows them, and the stored signals of the customer turns."""
    turns = list(
        session.scalars(
            select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq)
        ).all()
    )
    names = author_names(session, (t.author_user_id for t in turns))
    views = [
        turn_view(
            t.id,
            str(t.author_role),
            _author(t, conversation, names),
            t.text,
            t.created_at,
            tz,
            t.signals,
            t.review,
        )  # fmt: skip
        for t in turns
    ]
    signals = [t.signals for t in turns if t.author_role is AuthorRole.CUSTOMER]
    return views, signals


def _author(turn: Turn, conversation: Conversation, names: dict[int, str]) -> str:
    if turn.author_role is AuthorRole.CUSTOMER:
        return conversation.customer.name
    if turn.author_role is AuthorRole.SYSTEM:
        return "calmdesk"
    if turn.author_user_id is not None:
        return names.get(turn.author_user_id, "agent")
    return str(turn.author_role)


def case_view(
    session: Session, user: StaffPrincipal, conversation_id: int, tz: ZoneInfo, now: datetime
) -> CaseView:
    """Everything the conversation page needs; NotFound when `user` may not see it."""
    c = conversation_for(session, user, conversation_id, read=True)
    turns, signals = transcript_view(session, c, tz)
    risk = float(c.escalation_risk or 0.0)
    view = CaseView(
        id=c.id,
        subject=c.subject,
        channel=str(c.channel),
        status=str(c.status),
        opened_label=local_label(c.opened_at, tz, "%d %b %H:%M"),
        assignee=c.assignee.display_name if c.assignee else "",
        customer=_customer_view(session, user, c.customer, c.id, tz),
        turns=turns,
        last_id=max((t.id for t in turns), default=0),
        risk_pct=round(risk * 100),
        risk_level="high" if risk >= 0.66 else ("mid" if risk >= 0.33 else "low"),
        trend=c.trend or "steady",
        customer_turns=len(signals),
        reasons=[str(r) for r in (c.risk_reasons or [])],
        chart=chart_for(signals),
        outcome=c.outcome,
    )
    _add_records(session, view, c, tz, now)
    view.channels = turn_channels(session, c)
    view.desk = desk_panel(session, user, c, now)
    return view


def _add_records(
    session: Session, view: CaseView, c: Conversation, tz: ZoneInfo, now: datetime
) -> None:
    notes = _rows(session, Note, Note.conversation_id == c.id)
    escalations = _rows(session, Escalation, Escalation.conversation_id == c.id)
    names = author_names(
        session, [n.author_id for n in notes] + [e.to_user_id for e in escalations]
    )
    view.notes = [
        {
            "text": n.text,
            "author": names.get(n.author_id or 0, "system"),
            "at_label": local_label(n.created_at, tz, "%d %b %H:%M"),
        }  # fmt: skip
        for n in notes
    ]
    if escalations and c.status is ConversationStatus.ESCALATED:
        last = escalations[-1]
        view.escalation = {
            "to": names.get(last.to_user_id or 0, "a supervisor"),
            "reason": last.reason,
        }
    view.escalation_notice = (
        "I have passed your case to a supervisor, who can do more than I can here. "
        "They have the full history, so you will not need to repeat anything, "
        "and they will reply in this conversation."
    )
    view.commitments = _commitments(session, c.customer_id, tz, now)
    view.follow_ups = [
        {
            "id": f.id,
            "done": f.done,
            "outcome": f.outcome,
            "due_label": due_label(f.due_at, tz, now),
            "overdue": not f.done and f.due_at < now,
        }  # fmt: skip
        for f in _rows(session, FollowUp, FollowUp.conversation_id == c.id)
    ]


def _rows(session: Session, model: Any, where: Any) -> list[Any]:
    return list(session.scalars(select(model).where(where).order_by(model.id)).all())


def _commitments(
    session: Session, customer_id: int, tz: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    stmt = (
        select(Commitment)
        .join(Conversation, Conversation.id == Commitment.conversation_id)
        .where(Conversation.customer_id == customer_id)
        .order_by(Commitment.due_at.is_(None), Commitment.due_at, Commitment.id)
    )
    return [
        {
            "id": k.id,
            "action": k.action,
            "owner": k.owner or "team",
            "status": str(k.status),
            "customer_told": k.customer_told,
            "due_label": due_label(k.due_at, tz, now)
            if k.status is CommitmentStatus.OPEN
            else due_label(k.due_at, tz, k.due_at or now),  # kept or broken: no "overdue" prefix
            "overdue": overdue(k.status, k.due_at, now),
        }  # fmt: skip
        for k in session.scalars(stmt).all()
    ]


def _customer_view(
    session: Session, user: StaffPrincipal, k: Customer, current_id: int, tz: ZoneInfo
) -> CustomerView:
    stmt = (
        select(Conversation)
        .where(Conversation.customer_id == k.id, Conversation.id != current_id)
        .where(conversation_scope(user))
        .order_by(Conversation.opened_at.desc())
        .limit(_HISTORY_LIMIT)
    )
    history = [
        {
            "id": h.id,
            "subject": h.subject,
            "status": str(h.status),
            "at_label": local_label(h.opened_at, tz),
        }  # fmt: skip
        for h in session.scalars(stmt).unique().all()
    ]
    return CustomerView(
        id=k.id, name=k.name, tier=k.tier, email=k.email or "", standing=str(k.standing),
        standing_reason=k.standing_reason, since=local_label(k.created_at, tz, "%b %Y"),
        orders=k.orders_count, lifetime_value=f"{k.lifetime_value:,.2f}",
        contacts=k.contacts_count, complaints=k.complaints_count,
        bad_experiences=[str(b) for b in (k.bad_experiences or [])], history=history,
    )  # fmt: skip
