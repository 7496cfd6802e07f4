"""SLA clocks per conversation: started on arrival, moved by replies, stopped on resolution.

    first response  due `first_response_minutes` after the case opened, met by the first reply
    next response   due `next_response_minutes` after a customer writes again, met by a reply
    resolution      due `resolution_minutes` after the case opened, met by resolving it

Minutes are working minutes of the team's business hours (`analysis.sla`) unless the policy says
otherwise. `due_at` is the nearest pending target (the queue sorts on it). Each target is recorded
once as met or missed in `sla_outcomes`; `sweep_slas` (a job, every minute) writes the warning
before a breach and the breach itself, each audited once.

The hooks (`sla_on_*`) run inside the caller's transaction; they never fail the write they ride on
for lack of settings: a team with none uses the packaged defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.desk_config import desk_defaults, sla_policies, team_hours
from calmdesk.analysis.sla import SlaPolicySpec, add_business_minutes, pick_policy
from calmdesk.storage.desk import ConversationSla, SlaOutcome
from calmdesk.storage.enums import Priority
from calmdesk.storage.records import Conversation

__all__ = [
    "METRICS",
    "SweepResult",
    "customer_turn_moves_clock",
    "nearest_due",
    "sla_on_agent_reply",
    "sla_on_customer_turn",
    "sla_on_open",
    "sla_on_resolve",
    "sweep_slas",
]

METRICS = ("first_response", "next_response", "resolution")
_JOBS = Actor.system("sla")


def _policy(session: Session, ctx: ActionContext, c: Conversation) -> SlaPolicySpec | None:
    defaults = desk_defaults(ctx.settings.desk_defaults_path)
    return pick_policy(
        sla_policies(session, defaults),
        priority=str(c.priority),
        tier=c.customer.tier if c.customer is not None else "standard",
        channel=str(c.channel),
        team_id=c.team_id,
    )


def _due(
    session: Session, ctx: ActionContext, c: Conversation, start: datetime, minutes: int, biz: bool
) -> datetime:
    if not biz:
        return start + timedelta(minutes=minutes)
    defaults = desk_defaults(ctx.settings.desk_defaults_path)
    hours = team_hours(session, c.team_id, defaults, ctx.settings.timezone)
    return add_business_minutes(start, minutes, hours)


def nearest_due(
    first_response_due_at: datetime | None,
    first_response_at: datetime | None,
    next_response_due_at: datetime | None,
    resolution_due_at: datetime | None,
) -> tuple[datetime | None, str]:
    """The nearest pending target of a clock and its metric (None, "" when nothing is due)."""
    pending = [
        (first_response_due_at, "first_response") if first_response_at is None else None,
        (next_response_due_at, "next_response"),
        (resolution_due_at, "resolution"),
    ]
    dues = [(at, m) for at, m in (p for p in pending if p) if at is not None]
    at, metric = min(dues, default=(None, ""))
    return at, metric


def customer_turn_moves_clock(
    first_response_at: datetime | None,
    next_response_due_at: datetime | None,
    resolution_due_at: datetime | None,
) -> bool:
    """Whether a customer turn makes something new fall due (`sla_on_customer_turn`): the case
    was resolved (resolution is due again), or answered (a next response is now due)."""
    reopened = resolution_due_at is None
    answered = first_response_at is not None and next_response_due_at is None
    return reopened or answered


def _refresh(row: ConversationSla) -> None:
    row.due_at, row.due_metric = nearest_due(
        row.first_response_due_at, row.first_response_at, row.next_response_due_at,
        row.resolution_due_at,
    )  # fmt: skip


def _record(
    session: Session, row: ConversationSla, metric: str, due: datetime, done: datetime | None
) -> None:
    """Met or missed, once per conversation, metric and due time."""
    exists = session.scalars(
        select(SlaOutcome.id).where(
            SlaOutcome.conversation_id == row.conversation_id,
            SlaOutcome.metric == metric,
            SlaOutcome.due_at == due,
        )
    ).first()
    if exists is not None:
        return
    met = done is not None and done <= due
    session.add(
        SlaOutcome(
            conversation_id=row.conversation_id, policy=row.policy, metric=metric, due_at=due,
            met=met, done_at=done, recorded_at=done or due,
        )
    )  # fmt: skip


def sla_on_open(session: Session, ctx: ActionContext, c: Conversation) -> ConversationSla | None:
    """Start the clocks of a new case (first response and resolution)."""
    session.flush()
    policy = _policy(session, ctx, c)
    if policy is None:
        return None
    start = c.opened_at
    row = ConversationSla(
        conversation_id=c.id,
        policy=policy.name,
        first_response_due_at=_due(
            session, ctx, c, start, policy.first_response_minutes, policy.business_hours
        ),
        resolution_due_at=_due(
            session, ctx, c, start, policy.resolution_minutes, policy.business_hours
        ),
    )
    _refresh(row)
    session.add(row)
    return row


def _row(session: Session, ctx: ActionContext, c: Conversation) -> ConversationSla | None:
    row = session.get(ConversationSla, c.id)
    return row if row is not None else sla_on_open(session, ctx, c)


def sla_on_customer_turn(
    session: Session, ctx: ActionContext, c: Conversation, at: datetime
) -> None:
    """The customer wrote: after a first reply, a next response is now due (if none is)."""
    row = _row(session, ctx, c)
    if row is None:
        return
    reopened = row.resolution_due_at is None
    answered = row.first_response_at is not None and row.next_response_due_at is None
    if not (reopened or answered):
        _refresh(row)
        return  # nothing new falls due: the policies are not even read
    policy = _policy(session, ctx, c)
    if reopened and policy is not None:  # reopened after resolution
        row.resolution_due_at = _due(
            session, ctx, c, at, policy.resolution_minutes, policy.business_hours
        )
    if answered and policy:
        row.next_response_due_at = _due(
            session, ctx, c, at, policy.next_response_minutes, policy.business_hours
        )
    _refresh(row)


def sla_on_agent_reply(session: Session, ctx: ActionContext, c: Conversation, at: datetime) -> None:
    """A reply meets the first response, or the pending next response."""
    row = _row(session, ctx, c)
    if row is None:
        return
    if row.first_response_at is None:
        row.first_response_at = at
        if row.first_response_due_at is not None:
            _record(session, row, "first_response", row.first_response_due_at, at)
    elif row.next_response_due_at is not None:
        _record(session, row, "next_response", row.next_response_due_at, at)
        row.next_response_due_at = None
    _refresh(row)


def sla_on_resolve(session: Session, ctx: ActionContext, c: Conversation, at: datetime) -> None:
    """Resolution stops every clock; the resolution target is met or missed."""
    row = _row(session, ctx, c)
    if row is None:
        return
    if row.resolution_due_at is not None:
        _record(session, row, "resolution", row.resolution_due_at, at)
    row.resolution_due_at = row.next_response_due_at = None
    if row.first_response_at is None:
        row.first_response_at = at  # nothing is owed any more
    _refresh(row)


@dataclass(frozen=True, slots=True)
class SweepResult:
    warned: int
    breached: int


def sweep_slas(ctx: ActionContext, now: datetime | None = None, limit: int = 500) -> SweepResult:
    """Warn before a breach and record breaches (each once; safe to run from several workers)."""
    when = now or ctx.now()
    warn = timedelta(minutes=desk_defaults(ctx.settings.desk_defaults_path).warn_before_minutes)
    with ctx.sessions() as session:
        soon = session.execute(
            select(ConversationSla.conversation_id, ConversationSla.due_at)
            .where(ConversationSla.due_at.is_not(None), ConversationSla.due_at <= when + warn)
            .order_by(ConversationSla.due_at)
            .limit(limit)
        ).all()
    warned = breached = 0
    for conversation_id, due in soon:
        if due is None:
            continue
        warned += _mark(ctx, int(conversation_id), due, when, breach=False)
        if due <= when:
            breached += _mark(ctx, int(conversation_id), due, when, breach=True)
    return SweepResult(warned, breached)


def _mark(
    ctx: ActionContext, conversation_id: int, due: datetime, now: datetime, breach: bool
) -> int:
    column = ConversationSla.breached_for if breach else ConversationSla.warned_for
    with ctx.sessions.begin() as session:
        claimed = session.execute(
            update(ConversationSla)
            .where(ConversationSla.conversation_id == conversation_id)
            .where(ConversationSla.due_at == due)
            .where((column.is_(None)) | (column != due))
            .values({column.key: due})
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return 0
        row = session.get_one(ConversationSla, conversation_id, populate_existing=True)
        conversation = session.get_one(Conversation, conversation_id)
        action = "sla.breached" if breach else "sla.warning"
        detail = snapshot(row, "policy", "due_metric", "due_at") or {}
        if breach:
            _record(session, row, row.due_metric, due, None)
            if conversation.priority in (Priority.LOW, Priority.NORMAL):
                conversation.priority = Priority.HIGH
        write_audit(session, _JOBS, action, conversation, None, detail | {"at": now.isoformat()})
    return 1
