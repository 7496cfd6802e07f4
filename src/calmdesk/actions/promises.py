"""Promises (A2) and follow-ups (A3): created from reviews, kept, told, checked on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.desk_overrides import rules_for
from calmdesk.actions.privacy import personal_text
from calmdesk.actions.timers import cancel_timers, notify_scheduler, schedule_timer
from calmdesk.actions.validate import clean_text
from calmdesk.domain import Commitment as Promise
from calmdesk.domain import Conflict, InputError, NotFound
from calmdesk.storage import (
    Commitment,
    CommitmentStatus,
    Conversation,
    FollowUp,
    Timer,
    TimerKind,
)

__all__ = [
    "complete_commitment",
    "complete_follow_up",
    "create_commitments",
    "mark_customer_told",
    "schedule_follow_up",
]

_PROMISE_TIMERS = (TimerKind.COMMITMENT_REMINDER, TimerKind.COMMITMENT_OVERDUE)


def create_commitments(
    session: Session,
    ctx: ActionContext,
    conversation: Conversation,
    turn_id: int,
    promises: Sequence[Promise],
    owner_user_id: int | None,
) -> tuple[list[Commitment], list[Timer | None]]:
    """Rows for the promises in a reply, with a reminder before and a check at each due time."""
    rows, timers = [], []
    lead = timedelta(minutes=rules_for(session, ctx, conversation.team_id).reminder_lead_minutes)
    for promise in promises:
        row = Commitment(
            conversation_id=conversation.id,
            source_turn_id=turn_id,
            action=promise.action[:2000],
            due_at=promise.due,
            owner=promise.owner[:200],
            owner_user_id=owner_user_id,
        )
        session.add(row)
        session.flush()
        rows.append(row)
        if promise.due is not None:
            if promise.due - lead > ctx.now():
                timers.append(
                    schedule_timer(
                        session, TimerKind.COMMITMENT_REMINDER, row.id, promise.due - lead
                    )
                )
            timers.append(
                schedule_timer(session, TimerKind.COMMITMENT_OVERDUE, row.id, promise.due)
            )
    return rows, timers


def complete_commitment(
    ctx: ActionContext, actor: Actor, commitment_id: int, *, customer_told: bool = False
) -> Commitment:
    """A2: the promise was kept (and, if `customer_told`, the customer knows)."""
    with ctx.sessions.begin() as session:
        row = _promise(session, commitment_id)
        if row.status is CommitmentStatus.DONE:
            raise Conflict("This promise is already marked done.")
        before = snapshot(row, "status", "customer_told", "completed_at")
        row.status, row.completed_at = CommitmentStatus.DONE, ctx.now()
        row.customer_told = row.customer_told or customer_told
        cancel_timers(session, row.id, *_PROMISE_TIMERS)
        write_audit(
            session,
            actor,
            "commitment.done",
            row,
            before,
            snapshot(row, "status", "customer_told", "completed_at"),
        )
    return row


def mark_customer_told(ctx: ActionContext, actor: Actor, commitment_id: int) -> Commitment:
    """A2: record that the customer was told the promise is done."""
    with ctx.sessions.begin() as session:
        row = _promise(session, commitment_id)
        if row.status is not CommitmentStatus.DONE:
            raise Conflict("Mark the promise done before recording that the customer was told.")
        before = snapshot(row, "customer_told")
        row.customer_told = True
        write_audit(
            session, actor, "commitment.customer_told", row, before, snapshot(row, "customer_told")
        )
    return row


def schedule_follow_up(
    ctx: ActionContext, actor: Actor, conversation_id: int, due_at: datetime
) -> FollowUp:
    """A3: check with the customer at `due_at` (an aware datetime)."""
    if not isinstance(due_at, datetime) or due_at.tzinfo is None:
        raise InputError("The follow-up time must be a date and time with a timezone.")
    row = FollowUp(conversation_id=conversation_id, due_at=due_at, created_by=actor.user_id)
    with ctx.sessions.begin() as session:
        if session.get(Conversation, conversation_id) is None:
            raise NotFound(f"No conversation with id {conversation_id}.")
        session.add(row)
        session.flush()
        timer = schedule_timer(session, TimerKind.FOLLOW_UP_DUE, row.id, due_at)
        write_audit(session, actor, "follow_up.scheduled", row)
    notify_scheduler(ctx, [timer])
    return row


def complete_follow_up(
    ctx: ActionContext, actor: Actor, follow_up_id: int, outcome: str
) -> FollowUp:
    """A3 done: what the customer said (satisfied, still unhappy, came back...)."""
    raw = clean_text(outcome, "outcome", 4000)
    with ctx.sessions.begin() as session:
        row = session.get(FollowUp, follow_up_id)
        if row is None:
            raise NotFound(f"No follow-up with id {follow_up_id}.")
        conversation = session.get(Conversation, row.conversation_id)
        team_id = conversation.team_id if conversation is not None else None
        text = personal_text(session, ctx.settings, team_id, raw)
        if row.done:
            raise Conflict("This follow-up is already done.")
        before = snapshot(row, "done", "done_at", "outcome")
        row.done, row.done_at, row.outcome = True, ctx.now(), text
        cancel_timers(session, row.id, TimerKind.FOLLOW_UP_DUE)
        write_audit(
            session,
            actor,
            "follow_up.done",
            row,
            before,
            snapshot(row, "done", "done_at", "outcome"),
        )
    return row


def _promise(session: Session, commitment_id: int) -> Commitment:
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise NotFound(f"No commitment with id {commitment_id}.")
    return row
