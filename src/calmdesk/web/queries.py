"""Reads behind the API: the queue (filters, sort and pagination from allow-lists) and details.

Nothing here writes; writes go through `calmdesk.actions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, lazyload

from calmdesk.storage.desk import ConversationSla
from calmdesk.storage.enums import Channel, ConversationStatus, Priority
from calmdesk.storage.people import Customer
from calmdesk.storage.records import (
    ActionTaken,
    Commitment,
    Conversation,
    Escalation,
    FollowUp,
    Note,
    RuleFiring,
    Turn,
)
from calmdesk.web.access import conversation_scope, customer_scope, scope_clause, scope_shape
from calmdesk.web.deps import StaffPrincipal

__all__ = [
    "QueueFilters",
    "SortKey",
    "SortOrder",
    "conversation_parts",
    "export_extras",
    "chat_turns",
    "customers_page",
    "database_ok",
    "queue_page",
    "queue_summaries",
    "sla_dues",
    "turns_of",
]


class SortKey(StrEnum):
    """The queue may be sorted by these and nothing else."""

    OPENED_AT = "opened_at"
    UPDATED_AT = "updated_at"
    LAST_CUSTOMER_AT = "last_customer_at"
    ESCALATION_RISK = "escalation_risk"
    UPSET = "upset"
    PRIORITY = "priority"
    SLA_DUE = "sla_due"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


_PRIORITY_RANK = case(
    {p.value: rank for rank, p in enumerate(Priority)}, value=Conversation.priority, else_=0
)
_SORT_COLUMNS: dict[SortKey, Any] = {
    SortKey.OPENED_AT: Conversation.opened_at,
    SortKey.UPDATED_AT: Conversation.updated_at,
    SortKey.LAST_CUSTOMER_AT: Conversation.last_customer_at,
    SortKey.ESCALATION_RISK: Conversation.escalation_risk,
    SortKey.UPSET: Conversation.upset,
    SortKey.PRIORITY: _PRIORITY_RANK,
    SortKey.SLA_DUE: ConversationSla.due_at,
}


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """Validated queue filters; None means "any"."""

    status: tuple[ConversationStatus, ...] = ()
    channel: Channel | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    customer_id: int | None = None
    sort: SortKey = SortKey.UPDATED_AT
    order: SortOrder = SortOrder.DESC
    limit: int = 50
    offset: int = 0


def _conditions(f: QueueFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.status:
        conds.append(Conversation.status.in_(f.status))
    if f.channel is not None:
        conds.append(Conversation.channel == f.channel)
    if f.priority is not None:
        conds.append(Conversation.priority == f.priority)
    if f.unassigned:
        conds.append(Conversation.assignee_id.is_(None))
    elif f.assignee_id is not None:
        conds.append(Conversation.assignee_id == f.assignee_id)
    if f.team_id is not None:
        conds.append(Conversation.team_id == f.team_id)
    if f.customer_id is not None:
        conds.append(Conversation.customer_id == f.customer_id)
    return conds


_ROW_ONLY = (
    lazyload(Conversation.customer),
    lazyload(Conversation.assignee),
    lazyload(Conversation.team),
)
"""A queue row is the conversation's own columns: its customer, assignee and team (joined by
default) are not read with it (they would be read on first use)."""


def queue_page(
    session: Session, user: StaffPrincipal, f: QueueFilters
) -> tuple[list[Conversation], int]:
    """One page of the conversations `user` may see, filtered and sorted; and the total."""
    where = [conversation_scope(user), *_conditions(f)]
    total = session.scalar(select(func.count(Conversation.id)).where(*where)) or 0
    column = _SORT_COLUMNS[f.sort]
    ordered = column.desc() if f.order is SortOrder.DESC else column.asc()
    tie = Conversation.id.desc() if f.order is SortOrder.DESC else Conversation.id.asc()
    if f.sort is SortKey.SLA_DUE:
        return _by_sla_due(session, where, ordered, tie, f), total
    stmt = select(Conversation).options(*_ROW_ONLY).where(*where).order_by(ordered, tie)
    stmt = stmt.limit(f.limit)
    rows = session.scalars(stmt.offset(f.offset)).unique().all()
    return list(rows), total


_SUMMARY_COLUMNS = (
    Conversation.id, Conversation.external_id, Conversation.customer_id, Conversation.channel,
    Conversation.status, Conversation.priority, Conversation.subject, Conversation.assignee_id,
    Conversation.team_id, Conversation.escalation_risk, Conversation.trend, Conversation.upset,
    Conversation.cause, Conversation.customer_turns, Conversation.opened_at,
    Conversation.updated_at, Conversation.last_customer_at,
    ConversationSla.due_at.label("sla_due_at"),
)  # fmt: skip
"""A queue row as the API lists it (`ConversationSummary`), with its nearest pending SLA due
time (NULL when none is pending, or the conversation has no clock)."""


def queue_summaries(
    session: Session, user: StaffPrincipal, f: QueueFilters
) -> tuple[list[Any], int]:
    """What `queue_page` and `sla_dues` give together, as column rows read in two statements on
    the session's connection (no ORM objects built), for any sort but `sla_due`.

    The two statements are built once per shape of the request (the caller's kind of scope, which
    filters are set, the sort and order: `_queue_statements`) and run with the values as
    parameters, so a page builds no SQL expressions and compiles nothing once its shape was seen."""
    if f.sort is SortKey.SLA_DUE:
        raise ValueError("the sla_due order is read by queue_page")
    kind, params = scope_shape(user)
    count, page = _queue_statements((kind, *_filter_shape(f), f.sort, f.order))
    params |= _filter_params(f)
    conn = session.connection()
    total = conn.execute(count, params).scalar() or 0
    rows = conn.execute(page, params | {"f_limit": f.limit, "f_offset": f.offset}).all()
    return list(rows), total


_QueueShape = tuple[Any, ...]
_QUEUE_STATEMENTS: dict[_QueueShape, tuple[Any, Any]] = {}


def _filter_shape(f: QueueFilters) -> tuple[bool, ...]:
    """Which of `_conditions`' filters are set (the values are parameters)."""
    assignee = not f.unassigned and f.assignee_id is not None
    return (
        bool(f.status), f.channel is not None, f.priority is not None, f.unassigned, assignee,
        f.team_id is not None, f.customer_id is not None,
    )  # fmt: skip


def _filter_params(f: QueueFilters) -> dict[str, Any]:
    values = {
        "f_status": list(f.status) or None, "f_channel": f.channel, "f_priority": f.priority,
        "f_assignee": None if f.unassigned else f.assignee_id, "f_team": f.team_id,
        "f_customer": f.customer_id,
    }  # fmt: skip
    return {name: value for name, value in values.items() if value is not None}


def _queue_statements(shape: _QueueShape) -> tuple[Any, Any]:
    """The count and the page statement of one shape (`_conditions` with bound parameters)."""
    found = _QUEUE_STATEMENTS.get(shape)
    if found is not None:
        return found
    kind, status, channel, priority, unassigned, assignee, team, customer, sort, order = shape
    where = [scope_clause(kind)]
    if status:
        where.append(Conversation.status.in_(bindparam("f_status", expanding=True)))
    if channel:
        where.append(Conversation.channel == bindparam("f_channel"))
    if priority:
        where.append(Conversation.priority == bindparam("f_priority"))
    if unassigned:
        where.append(Conversation.assignee_id.is_(None))
    elif assignee:
        where.append(Conversation.assignee_id == bindparam("f_assignee"))
    if team:
        where.append(Conversation.team_id == bindparam("f_team"))
    if customer:
        where.append(Conversation.customer_id == bindparam("f_customer"))
    column = _SORT_COLUMNS[sort]
    descending = order is SortOrder.DESC
    ordered = column.desc() if descending else column.asc()
    tie = Conversation.id.desc() if descending else Conversation.id.asc()
    count = select(func.count(Conversation.id)).where(*where)
    page = (
        select(*_SUMMARY_COLUMNS)
        .outerjoin(ConversationSla, ConversationSla.conversation_id == Conversation.id)
        .where(*where)
        .order_by(ordered, tie)
        .limit(bindparam("f_limit"))
        .offset(bindparam("f_offset"))
    )
    if len(_QUEUE_STATEMENTS) > 4096:  # far more shapes than there are; never grows unbounded
        _QUEUE_STATEMENTS.clear()
    _QUEUE_STATEMENTS[shape] = count, page
    return count, page


def _by_sla_due(
    session: Session, where: list[Any], ordered: Any, tie: Any, f: QueueFilters
) -> list[Conversation]:
    """Cases with a due time in due order, then those without one.

    The due times are read in index order, a batch at a time, keeping those `where` allows, until
    the page is full: a planner would rather sort every visible case of a team first."""
    want = f.offset + f.limit
    keep: list[int] = []
    descending = f.order is SortOrder.DESC
    due = ConversationSla.due_at
    step, start = 500, 0
    while len(keep) < want:
        batch = (
            session.execute(
                select(ConversationSla.conversation_id)
                .where(due.is_not(None))
                .order_by(due.desc() if descending else due.asc(), ConversationSla.conversation_id)
                .limit(step)
                .offset(start)
            )
            .scalars()
            .all()
        )
        if not batch:
            break
        allowed = set(
            session.scalars(select(Conversation.id).where(Conversation.id.in_(batch), *where))
        )
        keep += [cid for cid in batch if cid in allowed]
        start += step
        if len(batch) < step:
            break
        step = min(step * 2, 8000)
    page = keep[f.offset : want]
    rows = {c.id: c for c in session.scalars(
        select(Conversation).options(*_ROW_ONLY).where(Conversation.id.in_(page))
    ).unique()} if page else {}  # fmt: skip
    ordered_rows = [rows[i] for i in page if i in rows]
    if len(ordered_rows) == f.limit:
        return ordered_rows
    rest = (
        select(Conversation)
        .options(*_ROW_ONLY)
        .where(
            *where,
            ~Conversation.id.in_(select(ConversationSla.conversation_id).where(due.is_not(None))),
        )
    )
    skip = max(0, f.offset - len(keep))
    stmt = rest.order_by(tie).limit(f.limit - len(ordered_rows)).offset(skip)
    return ordered_rows + list(session.scalars(stmt).unique().all())


def sla_dues(session: Session, ids: list[int]) -> dict[int, Any]:
    """The nearest pending SLA due time of each conversation (absent when none is pending)."""
    if not ids:
        return {}
    stmt = select(ConversationSla.conversation_id, ConversationSla.due_at).where(
        ConversationSla.conversation_id.in_(ids), ConversationSla.due_at.is_not(None)
    )
    return {int(cid): due for cid, due in session.execute(stmt)}


def customers_page(
    session: Session, user: StaffPrincipal, limit: int, offset: int
) -> tuple[list[Customer], int]:
    where = customer_scope(user)
    total = session.scalar(select(func.count(Customer.id)).where(where)) or 0
    stmt = select(Customer).where(where).order_by(Customer.id).limit(limit).offset(offset)
    return list(session.scalars(stmt).all()), total


def turns_of(session: Session, conversation_id: int) -> list[Turn]:
    stmt = select(Turn).where(Turn.conversation_id == conversation_id).order_by(Turn.seq)
    return list(session.scalars(stmt).all())


_CHAT_TURNS = (
    select(Turn.id, Turn.seq, Turn.author_role, Turn.text, Turn.created_at)
    .where(Turn.conversation_id == bindparam("conversation_id"))
    .order_by(Turn.seq)
)


def chat_turns(session: Session, conversation_id: int) -> list[Any]:
    """The turns as the chat shows them: the five columns it needs, not whole turns with their
    signals and review (JSON) parsed for nothing; one statement built once, on the connection."""
    rows = session.connection().execute(_CHAT_TURNS, {"conversation_id": conversation_id})
    return list(rows.all())


def _rows(session: Session, model: Any, conversation_id: int) -> list[Any]:
    stmt = select(model).where(model.conversation_id == conversation_id).order_by(model.id)
    return list(session.scalars(stmt).all())


def conversation_parts(session: Session, conversation_id: int) -> dict[str, list[Any]]:
    """Turns, commitments, escalations, follow-ups and notes of one conversation."""
    return {
        "turns": turns_of(session, conversation_id),
        "commitments": _rows(session, Commitment, conversation_id),
        "escalations": _rows(session, Escalation, conversation_id),
        "follow_ups": _rows(session, FollowUp, conversation_id),
        "notes": _rows(session, Note, conversation_id),
    }


def database_ok(session: Session) -> bool:
    """True when the database answers a trivial query."""
    try:
        return session.scalar(select(1)) == 1
    except SQLAlchemyError:
        return False


def export_extras(session: Session, conversation_id: int) -> dict[str, list[dict[str, Any]]]:
    """What an export adds to the detail: actions taken and every rule firing."""
    taken = _rows(session, ActionTaken, conversation_id)
    firings = _rows(session, RuleFiring, conversation_id)
    return {
        "actions_taken": [
            {"id": a.id, "kind": a.kind, "detail": a.detail, "user_id": a.user_id,
             "created_at": a.created_at.isoformat()}
            for a in taken
        ],
        "rule_firings": [
            {"id": f.id, "rule": f.rule, "reason": f.reason, "turn_id": f.turn_id,
             "escalation_id": f.escalation_id, "fired_at": f.fired_at.isoformat()}
            for f in firings
        ],
    }  # fmt: skip
