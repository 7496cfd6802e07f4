"""Who gets a case: auto-assignment on arrival, the least-loaded supervisor for escalations, and
the assignment history every change of hands writes (inside the caller's transaction).

Load is the number of active cases (open, pending, escalated) a person holds. Auto-assignment
considers the team's agents who are active, online (the console was open within the team's
`online_minutes`) and under their capacity; `round_robin` takes the one assigned longest ago,
`least_open` the one with the fewest active cases (ties: given a case longest ago, then lowest
id).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.desk_config import desk_defaults, team_routing
from calmdesk.storage.desk import Assignment, DeskAgent
from calmdesk.storage.enums import ConversationStatus, UserRole
from calmdesk.storage.people import User
from calmdesk.storage.records import Conversation

__all__ = [
    "ACTIVE",
    "auto_assign_in_session",
    "loads",
    "mark_assigned",
    "online_agents",
    "pick_supervisor",
    "record_assignment",
]

ACTIVE = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.ESCALATED)


def loads(session: Session, user_ids: Iterable[int]) -> dict[int, int]:
    """Active cases held by each of `user_ids` (0 for those holding none)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Conversation.assignee_id, func.count(Conversation.id))
        .where(Conversation.assignee_id.in_(ids), Conversation.status.in_(ACTIVE))
        .group_by(Conversation.assignee_id)
    ).all()
    found = {int(uid): int(n) for uid, n in rows if uid is not None}
    return {i: found.get(i, 0) for i in ids}


def pick_supervisor(
    session: Session, team_id: int | None, exclude: Iterable[int | None] = ()
) -> User | None:
    """The active supervisor of `team_id` (any team when None) holding the fewest active cases."""
    skip = {i for i in exclude if i is not None}
    query = select(User).where(User.role == UserRole.SUPERVISOR, User.is_active.is_(True))
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    people = [
        u for u in session.scalars(query.order_by(User.id)).unique().all() if u.id not in skip
    ]
    if not people:
        return None
    load = loads(session, [u.id for u in people])
    return min(people, key=lambda u: (load[u.id], u.id))


def online_agents(
    session: Session, team_id: int, now: datetime, online_minutes: int
) -> list[tuple[User, DeskAgent]]:
    """The team's active agents whose console was open within `online_minutes`."""
    since = now - timedelta(minutes=online_minutes)
    rows = session.execute(
        select(User, DeskAgent)
        .join(DeskAgent, DeskAgent.user_id == User.id)
        .where(User.team_id == team_id, User.role == UserRole.AGENT, User.is_active.is_(True))
        .where(DeskAgent.status == "online", DeskAgent.last_seen_at >= since)
        .order_by(User.id)
    ).all()
    return [(u, d) for u, d in rows]


def auto_assign_in_session(
    session: Session, ctx: ActionContext, actor: Actor, conversation: Conversation
) -> User | None:
    """Give a new unassigned case of a team to the next online agent with room, if any."""
    if conversation.assignee_id is not None or conversation.team_id is None:
        return None
    defaults = desk_defaults(ctx.settings.desk_defaults_path)
    routing = team_routing(session, conversation.team_id, defaults)
    if routing.mode == "manual":
        return None
    now = ctx.now()
    candidates = online_agents(session, conversation.team_id, now, routing.online_minutes)
    load = loads(session, [u.id for u, _ in candidates])
    room = [(u, d) for u, d in candidates if load[u.id] < (d.capacity or routing.capacity)]
    if not room:
        return None
    given = _last_given(session, [u.id for u, _ in room])
    if routing.mode == "round_robin":
        user, desk = min(room, key=lambda p: (given.get(p[0].id, 0), p[0].id))
    else:
        user, desk = min(room, key=lambda p: (load[p[0].id], given.get(p[0].id, 0), p[0].id))
    conversation.assignee_id = user.id
    desk.last_assigned_at = now
    record_assignment(
        session, actor, conversation, "auto", None, user.id, conversation.team_id,
        f"Auto-assigned ({routing.mode.replace('_', ' ')}).",
    )  # fmt: skip
    return user


def _last_given(session: Session, user_ids: list[int]) -> dict[int, int]:
    """The id of the latest assignment row that gave each person a case (the order of turns,
    independent of clock resolution); absent for those never given one."""
    rows = session.execute(
        select(Assignment.to_user_id, func.max(Assignment.id))
        .where(Assignment.to_user_id.in_(user_ids))
        .group_by(Assignment.to_user_id)
    ).all()
    return {int(uid): int(last) for uid, last in rows if uid is not None}


def mark_assigned(session: Session, user_id: int | None, now: datetime) -> None:
    """Round-robin bookkeeping: when this person was last given a case."""
    desk = session.get(DeskAgent, user_id) if user_id is not None else None
    if desk is not None:
        desk.last_assigned_at = now


def record_assignment(
    session: Session,
    actor: Actor,
    conversation: Conversation,
    kind: str,
    from_user_id: int | None,
    to_user_id: int | None,
    to_team_id: int | None,
    reason: str = "",
) -> Assignment:
    """One row of the assignment history, and its audit entry."""
    row = Assignment(
        conversation_id=conversation.id,
        kind=kind,
        from_user_id=from_user_id,
        to_user_id=to_user_id,
        to_team_id=to_team_id,
        by_user_id=actor.user_id,
        reason=reason,
    )
    session.add(row)
    write_audit(session, actor, f"assignment.{kind}", row)
    return row
