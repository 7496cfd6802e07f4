"""Opening, assigning and resolving conversations; notes and actions taken (A1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.desk_overrides import rules_for
from calmdesk.actions.escalation import load_conversation
from calmdesk.actions.privacy import personal_text
from calmdesk.actions.routing import auto_assign_in_session
from calmdesk.actions.sla import sla_on_open, sla_on_resolve
from calmdesk.actions.timers import cancel_timers, notify_scheduler, schedule_timer
from calmdesk.actions.validate import clean_text, parse_enum
from calmdesk.domain import Conflict, InputError, NotFound, PermissionDenied
from calmdesk.storage import (
    ActionTaken,
    Channel,
    Conversation,
    ConversationStatus,
    Customer,
    CustomerStanding,
    FollowUp,
    Note,
    Priority,
    TimerKind,
    Turn,
    User,
)

__all__ = [
    "add_note",
    "assign_conversation",
    "open_conversation",
    "record_action_taken",
    "reopen_conversation",
    "resolve_conversation",
]

_STATE = ("status", "assignee_id", "team_id", "priority", "outcome", "resolved_at")


def open_conversation(
    ctx: ActionContext,
    actor: Actor,
    *,
    customer_id: int,
    channel: str,
    subject: str = "",
    team_id: int | None = None,
    assignee_id: int | None = None,
    priority: str = "normal",
    external_id: str | None = None,
    opened_at: datetime | None = None,
) -> Conversation:
    """A new open case for `customer_id` on `channel` (blocked customers cannot open one)."""
    conversation = Conversation(
        customer_id=customer_id,
        channel=parse_enum(Channel, channel, "Channel"),
        priority=parse_enum(Priority, priority, "Priority"),
        subject=subject.strip()[:300] if isinstance(subject, str) else "",
        team_id=team_id,
        assignee_id=assignee_id,
        external_id=external_id,
        opened_at=opened_at or ctx.now(),
        updated_at=ctx.now(),
    )
    with ctx.sessions.begin() as session:
        customer = session.get(Customer, customer_id, with_for_update=True)
        if customer is None:
            raise NotFound(f"No customer with id {customer_id}.")
        if customer.standing is CustomerStanding.BLOCKED:
            raise PermissionDenied(f"This customer is blocked: {customer.standing_reason}")
        if assignee_id is not None and session.get(User, assignee_id) is None:
            raise NotFound(f"No user with id {assignee_id} to assign to.")
        customer.contacts_count += 1
        conversation.subject = personal_text(session, ctx.settings, team_id, conversation.subject)
        session.add(conversation)
        write_audit(session, actor, "conversation.opened", conversation)
        auto_assign_in_session(session, ctx, actor, conversation)
        sla_on_open(session, ctx, conversation)
    return conversation


def assign_conversation(
    ctx: ActionContext, actor: Actor, conversation_id: int, user_id: int | None
) -> Conversation:
    """Give the case to `user_id` (None: back to the team queue)."""
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        if user_id is not None and session.get(User, user_id) is None:
            raise NotFound(f"No user with id {user_id}.")
        before = snapshot(conversation, *_STATE)
        conversation.assignee_id, conversation.updated_at = user_id, ctx.now()
        write_audit(
            session,
            actor,
            "conversation.assigned",
            conversation,
            before,
            snapshot(conversation, *_STATE),
        )
    return conversation


def resolve_conversation(
    ctx: ActionContext, actor: Actor, conversation_id: int, outcome: str
) -> tuple[Conversation, FollowUp]:
    """Record the outcome (A1), stop the response timers and schedule the A3 follow-up."""
    raw = clean_text(outcome, "outcome", 4000)
    now = ctx.now()
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
            raise Conflict("This conversation is already resolved.")
        text = personal_text(session, ctx.settings, conversation.team_id, raw)
        before = snapshot(conversation, *_STATE)
        conversation.status, conversation.outcome = ConversationStatus.RESOLVED, text
        conversation.resolved_at = conversation.updated_at = now
        hours = rules_for(session, ctx, conversation.team_id).follow_up_after_hours
        follow_up = FollowUp(
            conversation_id=conversation.id,
            created_by=actor.user_id,
            due_at=now + timedelta(hours=hours),
        )
        session.add(follow_up)
        session.flush()
        timer = schedule_timer(session, TimerKind.FOLLOW_UP_DUE, follow_up.id, follow_up.due_at)
        for turn_id in session.scalars(
            select(Turn.id).where(Turn.conversation_id == conversation.id)
        ):
            cancel_timers(session, turn_id, TimerKind.RESPONSE_DUE)
        sla_on_resolve(session, ctx, conversation, now)
        write_audit(
            session,
            actor,
            "conversation.resolved",
            conversation,
            before,
            snapshot(conversation, *_STATE),
        )
    notify_scheduler(ctx, [timer])
    return conversation, follow_up


def reopen_conversation(ctx: ActionContext, actor: Actor, conversation_id: int) -> Conversation:
    """Back to open (the customer came back, or the outcome did not hold)."""
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        before = snapshot(conversation, *_STATE)
        conversation.status, conversation.updated_at = ConversationStatus.OPEN, ctx.now()
        write_audit(
            session,
            actor,
            "conversation.reopened",
            conversation,
            before,
            snapshot(conversation, *_STATE),
        )
    return conversation


def add_note(
    ctx: ActionContext,
    actor: Actor,
    text: str,
    *,
    conversation_id: int | None = None,
    customer_id: int | None = None,
) -> Note:
    """An internal note on a conversation or a customer (never shown to the customer)."""
    if (conversation_id is None) == (customer_id is None):
        raise InputError("A note belongs to exactly one conversation or one customer.")
    note = Note(
        text=clean_text(text, "note", ctx.settings.max_text_chars),
        conversation_id=conversation_id,
        customer_id=customer_id,
        author_id=actor.user_id,
    )
    with ctx.sessions.begin() as session:
        _require(session, Conversation, conversation_id)
        _require(session, Customer, customer_id)
        note.text = personal_text(
            session, ctx.settings, _team_of(session, conversation_id), note.text
        )
        session.add(note)
        write_audit(session, actor, "note.added", note)
    return note


def record_action_taken(
    ctx: ActionContext, actor: Actor, conversation_id: int, kind: str, detail: str = ""
) -> ActionTaken:
    """A1 "what was done": a refund issued, a replacement sent, a call made."""
    row = ActionTaken(
        conversation_id=conversation_id,
        user_id=actor.user_id,
        kind=clean_text(kind, "action kind", 60),
        detail=str(detail)[:4000],
    )
    with ctx.sessions.begin() as session:
        _require(session, Conversation, conversation_id)
        row.detail = personal_text(
            session, ctx.settings, _team_of(session, conversation_id), row.detail
        )
        session.add(row)
        write_audit(session, actor, "action.recorded", row)
    return row


def _team_of(session: Session, conversation_id: int | None) -> int | None:
    if conversation_id is None:
        return None
    conversation = session.get(Conversation, conversation_id)
    return conversation.team_id if conversation is not None else None


def _require(session: Session, model: type[Conversation | Customer], ident: int | None) -> None:
    if ident is not None and session.get(model, ident) is None:
        raise NotFound(f"No {model.__tablename__[:-1]} with id {ident}.")
