"""Changing hands: claim, assign or reassign, hand back; and who is online (presence).

    claim      an agent (or anyone on the team) takes an unassigned case of their own team
    assign     a supervisor or admin gives a case to a person, or to a team's queue (which
               auto-assigns it when the team routes automatically)
    hand back  the assignee (or a supervisor or admin) returns the case to the team's queue

Agents may not assign cases to other people. Every change writes an `assignments` row and an
audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.escalation import load_conversation
from calmdesk.actions.routing import auto_assign_in_session, mark_assigned, record_assignment
from calmdesk.actions.validate import clean_text
from calmdesk.domain.errors import (
    AssignmentRefused,
    Conflict,
    InputError,
    NotClaimable,
    NotFound,
    UnsupportedValue,
)
from calmdesk.storage.desk import DeskAgent
from calmdesk.storage.enums import ConversationStatus, UserRole
from calmdesk.storage.people import Team, User
from calmdesk.storage.records import Conversation

__all__ = [
    "PRESENCE",
    "assign",
    "claim",
    "hand_back",
    "release_cases_in_session",
    "set_presence",
    "touch_presence",
]

PRESENCE = ("online", "away")
_STATE = ("assignee_id", "team_id", "status")
_SEEN_EVERY = timedelta(seconds=60)


def _reason(reason: str | None) -> str:
    return clean_text(reason, "reason", 2000) if reason and reason.strip() else ""


def _open(conversation: Conversation) -> None:
    if conversation.status is ConversationStatus.CLOSED:
        raise Conflict("This conversation is closed; open a new one instead.")


def _person(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.is_active:
        raise AssignmentRefused("Only an active staff member can take cases.")
    return user


def claim(ctx: ActionContext, actor: Actor, conversation_id: int) -> Conversation:
    """Take an unassigned case of your own team."""
    actor.require_desk_role()
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        me = _person(session, actor)
        _open(conversation)
        if conversation.assignee_id == me.id:
            raise NotClaimable("This case is already yours.")
        if conversation.assignee_id is not None:
            raise NotClaimable("Someone already has this case; ask a supervisor to reassign it.")
        if me.role is not UserRole.ADMIN and conversation.team_id != me.team_id:
            raise NotClaimable("This case belongs to another team's queue.")
        before = snapshot(conversation, *_STATE)
        conversation.assignee_id, conversation.updated_at = me.id, ctx.now()
        mark_assigned(session, me.id, ctx.now())
        record_assignment(session, actor, conversation, "claim", None, me.id, conversation.team_id)
        write_audit(
            session, actor, "conversation.claimed", conversation, before,
            snapshot(conversation, *_STATE),
        )  # fmt: skip
    return conversation


def assign(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    *,
    user_id: int | None = None,
    team_id: int | None = None,
    reason: str | None = None,
) -> Conversation:
    """Give the case to a person, or to a team's queue; supervisors and admins only."""
    actor.require_desk_role()
    if (user_id is None) == (team_id is None):
        raise InputError("Give exactly one of user_id or team_id.")
    why = _reason(reason)
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        me = _person(session, actor)
        _open(conversation)
        if me.role not in (UserRole.SUPERVISOR, UserRole.ADMIN):
            if user_id == me.id and me.role is UserRole.AGENT:
                raise AssignmentRefused("To take this case yourself, claim it.")
            raise AssignmentRefused(
                "Agents cannot assign cases to other people; hand it back or escalate it."
            )
        before = snapshot(conversation, *_STATE)
        from_user = conversation.assignee_id
        conversation.updated_at = ctx.now()
        if user_id is not None:
            target = session.get(User, user_id)
            if target is None or not target.is_active:
                raise NotFound(f"No active user with id {user_id} to assign to.")
            conversation.assignee_id = target.id
            conversation.team_id = target.team_id or conversation.team_id
            mark_assigned(session, target.id, ctx.now())
            record_assignment(
                session, actor, conversation, "assign", from_user, target.id,
                conversation.team_id, why,
            )  # fmt: skip
        else:
            if session.get(Team, team_id) is None:
                raise NotFound(f"No team with id {team_id}.")
            conversation.assignee_id, conversation.team_id = None, team_id
            record_assignment(session, actor, conversation, "assign", from_user, None, team_id, why)
            session.flush()
            auto_assign_in_session(session, ctx, actor, conversation)
        write_audit(
            session, actor, "conversation.assigned", conversation, before,
            (snapshot(conversation, *_STATE) or {}) | {"reason": why},
        )  # fmt: skip
    return conversation


def hand_back(
    ctx: ActionContext, actor: Actor, conversation_id: int, reason: str | None = None
) -> Conversation:
    """Return the case to the team's queue (the assignee, or a supervisor or admin)."""
    why = _reason(reason)
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        me = _person(session, actor)
        _open(conversation)
        if conversation.assignee_id is None:
            raise Conflict("This case is already in the team's queue.")
        boss = me.role in (UserRole.SUPERVISOR, UserRole.ADMIN)
        if conversation.assignee_id != me.id and not boss:
            raise AssignmentRefused("Only the person who has the case can hand it back.")
        before = snapshot(conversation, *_STATE)
        from_user = conversation.assignee_id
        conversation.assignee_id, conversation.updated_at = None, ctx.now()
        record_assignment(
            session, actor, conversation, "hand_back", from_user, None, conversation.team_id, why
        )
        write_audit(
            session, actor, "conversation.handed_back", conversation, before,
            (snapshot(conversation, *_STATE) or {}) | {"reason": why},
        )  # fmt: skip
    return conversation


def set_presence(
    ctx: ActionContext,
    actor: Actor,
    user_id: int,
    status: str,
    capacity: int | None = None,
) -> DeskAgent:
    """Online or away, and an optional personal capacity (yourself; admins for anyone)."""
    if status not in PRESENCE:
        raise UnsupportedValue("Presence is online or away.")
    if capacity is not None and (isinstance(capacity, bool) or not 1 <= capacity <= 500):
        raise UnsupportedValue("Capacity is a whole number from 1 to 500.")
    if actor.user_id != user_id and actor.role is not UserRole.ADMIN:
        actor.require_role(UserRole.ADMIN)
    with ctx.sessions.begin() as session:
        if session.get(User, user_id) is None:
            raise NotFound(f"No user with id {user_id}.")
        row = session.get(DeskAgent, user_id, with_for_update=True)
        before = snapshot(row)
        if row is None:
            row = DeskAgent(user_id=user_id)
            session.add(row)
        row.status, row.last_seen_at = status, ctx.now()
        if capacity is not None:
            row.capacity = capacity
        write_audit(session, actor, "presence.changed", row, before, snapshot(row))
    return row


def touch_presence(ctx: ActionContext, user_id: int) -> bool:
    """Record that a person has the console open (at most once a minute; not audited, it is
    telemetry, not a decision). A first visit makes them online. True when something was written."""
    now = ctx.now()
    with ctx.sessions() as session:
        row = session.get(DeskAgent, user_id)
        fresh = row is not None and row.last_seen_at and now - row.last_seen_at < _SEEN_EVERY
        session.commit()
    if fresh:
        return False
    with ctx.sessions.begin() as session:
        row = session.get(DeskAgent, user_id, with_for_update=True)
        if row is None:
            if session.get(User, user_id) is None:
                return False
            row = DeskAgent(user_id=user_id, status="online")
            session.add(row)
        row.last_seen_at = now
    return True


def release_cases_in_session(
    session: Session, ctx: ActionContext, actor: Actor, user_id: int, reason: str
) -> list[int]:
    """Hand every active case of `user_id` back to its team (then auto-assign it), inside the
    caller's transaction: for deactivating a user (issue 9 calls this), or taking someone off
    the desk. Returns the conversation ids released."""
    from sqlalchemy import select

    from calmdesk.actions.routing import ACTIVE

    rows = (
        session.scalars(
            select(Conversation)
            .where(Conversation.assignee_id == user_id, Conversation.status.in_(ACTIVE))
            .with_for_update(of=Conversation)
        )
        .unique()
        .all()
    )
    desk = session.get(DeskAgent, user_id)
    if desk is not None:
        desk.status = "away"
    for conversation in rows:
        before = snapshot(conversation, *_STATE)
        conversation.assignee_id, conversation.updated_at = None, ctx.now()
        record_assignment(
            session, actor, conversation, "hand_back", user_id, None, conversation.team_id, reason
        )
        session.flush()
        auto_assign_in_session(session, ctx, actor, conversation)
        write_audit(
            session, actor, "conversation.released", conversation, before,
            (snapshot(conversation, *_STATE) or {}) | {"reason": reason},
        )  # fmt: skip
    return [c.id for c in rows]
