"""Escalating a case (P14), by a person or by a rule, with a hand-off summary."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, text_ref, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.handoff import handoff_summary
from calmdesk.actions.privacy import personal_text
from calmdesk.actions.routing import mark_assigned, pick_supervisor, record_assignment
from calmdesk.actions.rules import Firing
from calmdesk.actions.validate import clean_text
from calmdesk.domain import Conflict, NotFound
from calmdesk.domain.errors import AssignmentRefused
from calmdesk.domain.trust_errors import EscalationTargetInvalid
from calmdesk.storage import (
    Commitment,
    Conversation,
    ConversationStatus,
    Escalation,
    Priority,
    RuleFiring,
    Team,
    Turn,
    User,
    UserRole,
)

__all__ = [
    "apply_firings",
    "check_escalation_target",
    "escalate",
    "escalate_in_session",
    "load_conversation",
]

_FIELDS = ("status", "assignee_id", "team_id", "priority")
_RANK = {p: i for i, p in enumerate(Priority)}


def load_conversation(session: Session, conversation_id: int, *, lock: bool = True) -> Conversation:
    """The conversation row (locked for update on PostgreSQL), or NotFound."""
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update(of=Conversation)
    found = session.scalars(query).unique().first()
    if found is None:
        raise NotFound(f"No conversation with id {conversation_id}.")
    return found


def escalate(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    reason: str,
    *,
    to_user_id: int | None = None,
    to_team_id: int | None = None,
) -> Escalation:
    """Hand the case to a supervisor (default: the team's) or a team, with a summary."""
    raw = clean_text(reason, "reason", 2000)
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        if conversation.status in (ConversationStatus.CLOSED, ConversationStatus.RESOLVED):
            raise Conflict("This conversation is resolved or closed; reopen it before escalating.")
        why = personal_text(session, ctx.settings, conversation.team_id, raw)
        if to_user_id is not None:
            check_escalation_target(session, actor, conversation, to_user_id, to_team_id)
        return escalate_in_session(
            session, actor, conversation, why, to_user_id=to_user_id, to_team_id=to_team_id
        )


def check_escalation_target(
    session: Session, actor: Actor, conversation: Conversation, to_user_id: int,
    to_team_id: int | None,
) -> User:  # fmt: skip
    """The user a person escalates to must be able to take it: active, a supervisor of the
    case's team (or of the team escalated to) or an admin, and never the agent themselves."""
    target = session.get(User, to_user_id)
    if target is None or not target.is_active:
        raise NotFound(f"No active user with id {to_user_id} to escalate to.")
    if target.id == actor.user_id and actor.role is UserRole.AGENT:
        raise EscalationTargetInvalid("You cannot escalate a case to yourself.")
    if target.role is UserRole.ADMIN:
        return target
    teams = {t for t in (conversation.team_id, to_team_id) if t is not None}
    if target.role is not UserRole.SUPERVISOR or (teams and target.team_id not in teams):
        raise EscalationTargetInvalid()
    return target


def escalate_in_session(
    session: Session,
    actor: Actor,
    conversation: Conversation,
    reason: str,
    *,
    to_user_id: int | None = None,
    to_team_id: int | None = None,
    rule: str | None = None,
    priority: Priority = Priority.HIGH,
) -> Escalation:
    """Escalate inside the caller's transaction (rules and jobs use this)."""
    before = snapshot(conversation, *_FIELDS)
    from_user_id = conversation.assignee_id
    target = _target_user(session, actor, conversation, to_user_id, to_team_id)
    row = Escalation(
        conversation_id=conversation.id,
        from_user_id=conversation.assignee_id,
        to_user_id=target.id if target else None,
        to_team_id=to_team_id or (target.team_id if target else conversation.team_id),
        reason=reason,
        rule=rule,
        summary=_summary(session, conversation, reason),
    )
    session.add(row)
    conversation.status = ConversationStatus.ESCALATED
    if target is not None:
        conversation.assignee_id = target.id
        mark_assigned(session, target.id, conversation.updated_at)
    elif to_team_id is not None:
        conversation.assignee_id = None  # no supervisor there: it waits in that team's queue
    if to_team_id is not None:
        conversation.team_id = to_team_id
    if conversation.assignee_id != from_user_id:
        record_assignment(
            session, actor, conversation, "escalation", from_user_id, conversation.assignee_id,
            conversation.team_id, reason,
        )  # fmt: skip
    if _RANK[priority] > _RANK[conversation.priority]:
        conversation.priority = priority
    write_audit(
        session,
        actor,
        "conversation.escalated",
        conversation,
        before,
        (snapshot(conversation, *_FIELDS) or {}) | {"reason": text_ref(reason), "rule": rule},
    )
    return row


def _target_user(
    session: Session,
    actor: Actor,
    conversation: Conversation,
    to_user_id: int | None,
    to_team_id: int | None,
) -> User | None:
    """The person who takes the case: the one named, else the least-loaded active supervisor of
    the target team (the case's own team by default, then any team); never the one escalating."""
    if to_user_id is not None:
        if actor.user_id is not None and to_user_id == actor.user_id:
            raise AssignmentRefused("You cannot escalate a case to yourself.")
        user = session.get(User, to_user_id)
        if user is None or not user.is_active:
            raise NotFound(f"No active user with id {to_user_id} to escalate to.")
        return user
    exclude = (actor.user_id, conversation.assignee_id)
    if to_team_id is not None:
        if session.get(Team, to_team_id) is None:
            raise NotFound(f"No team with id {to_team_id}.")
        return pick_supervisor(session, to_team_id, exclude)
    found = pick_supervisor(session, conversation.team_id, exclude)
    return found or pick_supervisor(session, None, exclude)


def _summary(session: Session, conversation: Conversation, reason: str) -> str:
    turns = session.scalars(
        select(Turn).where(Turn.conversation_id == conversation.id).order_by(Turn.seq)
    ).all()
    promises = session.scalars(
        select(Commitment).where(Commitment.conversation_id == conversation.id)
    ).all()
    return handoff_summary(conversation, turns, promises, reason)


def apply_firings(
    session: Session,
    actor: Actor,
    conversation: Conversation,
    firings: Sequence[Firing],
    turn_id: int | None,
) -> list[RuleFiring]:
    """Record each new firing (once per rule and conversation); escalate on the first that asks."""
    if not firings:
        return []
    seen = set(
        session.scalars(
            select(RuleFiring.rule).where(RuleFiring.conversation_id == conversation.id)
        ).all()
    )
    recorded = []
    for firing in firings:
        if firing.rule.name in seen:
            continue
        row = RuleFiring(
            conversation_id=conversation.id,
            turn_id=turn_id,
            rule=firing.rule.name,
            reason=firing.reason,
        )
        if (
            firing.rule.escalate_to != "none"
            and conversation.status != ConversationStatus.ESCALATED
        ):
            team = conversation.team_id if firing.rule.escalate_to == "team" else None
            escalation = escalate_in_session(
                session,
                actor,
                conversation,
                firing.reason,
                to_team_id=team,
                rule=firing.rule.name,
                priority=Priority(firing.rule.priority),
            )
            session.flush()
            row.escalation_id = escalation.id
        session.add(row)
        recorded.append(row)
    return recorded
