"""Who may see what: the one place the web decides visibility.

    admin        everything
    supervisor   conversations of their team, and any assigned to them
    qa_analyst   conversations of their team, to read and score (never to work: `web.deps`
                 refuses their writes outside the QA workspace)
    agent        conversations assigned to them, and unassigned ones of their team
    customer     the one conversation their chat token names

A conversation someone may not see answers 404, the same as one that does not exist, so ids do not
leak. Customers are visible to staff who can see at least one of their conversations.

Someone who held a case before it was escalated or reassigned away keeps read access to it
(`conversation_for(..., read=True)`): writes answer 403 `CaseHeldElsewhere`, saying who has it
now and why, instead of pretending the case does not exist.

Each `*_for` lookup ends its read transaction before returning: on SQLite every transaction takes
the write lock (BEGIN IMMEDIATE), and the action the route calls next needs it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, true
from sqlalchemy.orm import Session

from calmdesk.domain.errors import CaseHeldElsewhere, NotFound, PermissionDenied
from calmdesk.storage.cases import ResolutionCase
from calmdesk.storage.desk import Assignment
from calmdesk.storage.enums import ConversationStatus, UserRole
from calmdesk.storage.people import Customer, Team, User
from calmdesk.storage.qa_totals import Scope
from calmdesk.storage.records import Commitment, Conversation, Escalation, FollowUp
from calmdesk.web.deps import CustomerPrincipal, Principal, StaffPrincipal

__all__ = [
    "analytics_scope",
    "can_see",
    "commitment_for",
    "conversation_for",
    "conversation_scope",
    "conversation_status_for",
    "customer_for",
    "customer_scope",
    "follow_up_for",
    "held_elsewhere",
    "require_team",
    "require_supervisor_of",
    "scope_clause",
    "scope_shape",
]


_TEAM_READERS = (UserRole.SUPERVISOR, UserRole.QA_ANALYST)


def conversation_scope(user: StaffPrincipal) -> ColumnElement[bool]:
    """A WHERE clause selecting the conversations `user` may see."""
    if user.role is UserRole.ADMIN:
        return true()
    mine = Conversation.assignee_id == user.user_id
    if user.team_id is None:
        return mine
    team = Conversation.team_id == user.team_id
    if user.role in _TEAM_READERS:
        return or_(mine, team)
    return or_(mine, and_(Conversation.assignee_id.is_(None), team))


def scope_shape(user: StaffPrincipal) -> tuple[str, dict[str, int]]:
    """`conversation_scope` as a kind of rule and its values: the WHERE clause of that kind
    (`scope_clause`) is built once and run with the values as parameters."""
    if user.role is UserRole.ADMIN:
        return "all", {}
    if user.team_id is None:
        return "mine", {"scope_user": user.user_id}
    kind = "team" if user.role in _TEAM_READERS else "agent"
    return kind, {"scope_user": user.user_id, "scope_team": user.team_id}


def scope_clause(kind: str) -> ColumnElement[bool]:
    """The WHERE clause of a `scope_shape` kind, with `:scope_user` and `:scope_team` bound."""
    if kind == "all":
        return true()
    mine = Conversation.assignee_id == bindparam("scope_user")
    if kind == "mine":
        return mine
    team = Conversation.team_id == bindparam("scope_team")
    if kind == "team":
        return or_(mine, team)
    return or_(mine, and_(Conversation.assignee_id.is_(None), team))


def analytics_scope(user: StaffPrincipal) -> Scope:
    """Whose conversations the analytics count for `user`: everyone's for an admin, else their
    team's and those assigned to them (the dashboard is not open to agents)."""
    if user.role is UserRole.ADMIN:
        return Scope()
    return Scope(everyone=False, team_id=user.team_id, user_id=user.user_id)


def can_see(principal: Principal, conversation: Conversation) -> bool:
    """The same rule as `conversation_scope`, for one loaded conversation (and customers)."""
    return _sees(principal, conversation.id, conversation.assignee_id, conversation.team_id)


def _sees(
    principal: Principal, conversation_id: int, assignee_id: int | None, team_id: int | None
) -> bool:
    if isinstance(principal, CustomerPrincipal):
        return principal.conversation_id == conversation_id
    if principal is None:
        return False
    if principal.role is UserRole.ADMIN or assignee_id == principal.user_id:
        return True
    if principal.team_id is None or team_id != principal.team_id:
        return False
    return principal.role in _TEAM_READERS or assignee_id is None


_MAX_ID = 2_147_483_647


def _real_id(ident: int, what: str) -> None:
    """An id no table can hold (0, negative, over 32 bits) is simply not found, never a 500."""
    if not isinstance(ident, int) or not 1 <= ident <= _MAX_ID:
        raise NotFound(f"There is no {what} {ident} that you can see.")


def conversation_for(
    session: Session, principal: Principal, conversation_id: int, *, read: bool = False
) -> Conversation:
    """The conversation, or NotFound when it does not exist or `principal` may not see it.

    A former holder of the case may read it (`read=True`); for anything else they get
    `CaseHeldElsewhere` with who has it now and why."""
    _real_id(conversation_id, "conversation")
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None and can_see(principal, conversation):
        session.commit()
        return conversation
    notice = None
    if conversation is not None and isinstance(principal, StaffPrincipal):
        if read and _mediates(session, principal.user_id, conversation_id):
            session.commit()
            return conversation
        notice = held_elsewhere(session, principal.user_id, conversation)
    session.commit()
    if notice is None or conversation is None:
        raise NotFound(f"There is no conversation {conversation_id} that you can see.")
    if read:
        return conversation
    raise CaseHeldElsewhere(notice)


_STATUS_ROW = select(Conversation.status, Conversation.assignee_id, Conversation.team_id).where(
    Conversation.id == bindparam("conversation_id")
)


def conversation_status_for(
    session: Session,
    principal: Principal,
    conversation_id: int,
    *,
    read: bool = False,
    end: bool = True,
) -> ConversationStatus:
    """The status of a conversation `principal` may see: what `conversation_for` decides, read
    from four columns instead of the conversation with its customer, assignee and team (the
    chat view needs no more). Anything but a plain yes is left to `conversation_for`.

    The columns are read on the session's connection with one statement built once (no ORM
    objects, no statement built and keyed per call). With `end` (the default) the read
    transaction ends on a yes, as `conversation_for`'s does; a read route that reads on in the
    same transaction passes `end=False`."""
    _real_id(conversation_id, "conversation")
    row = session.connection().execute(_STATUS_ROW, {"conversation_id": conversation_id}).first()
    if row is not None and _sees(principal, conversation_id, row[1], row[2]):
        if end:
            session.commit()
        return ConversationStatus(row[0])
    return conversation_for(session, principal, conversation_id, read=read).status


def _mediates(session: Session, user_id: int, conversation_id: int) -> bool:
    """The mediator or an arbitrator of a P15 resolution case reads the conversation, whatever
    their team (docs/p15.md)."""
    stmt = select(ResolutionCase.id).where(
        ResolutionCase.conversation_id == conversation_id,
        or_(
            ResolutionCase.mediator_id == user_id,
            ResolutionCase.first_arbitrator_id == user_id,
            ResolutionCase.decided_by_id == user_id,
        ),
    )
    return session.scalars(stmt).first() is not None


def _former(conversation_id: int, user_id: int) -> ColumnElement[bool]:
    return or_(
        exists(
            select(Assignment.id).where(
                Assignment.conversation_id == conversation_id, Assignment.from_user_id == user_id
            )
        ),
        exists(
            select(Escalation.id).where(
                Escalation.conversation_id == conversation_id, Escalation.from_user_id == user_id
            )
        ),
    )


def held_elsewhere(session: Session, user_id: int, conversation: Conversation) -> str | None:
    """Why `user_id`, who held this case before, no longer does; None if they never held it."""
    if not session.scalar(select(_former(conversation.id, user_id))):
        return None
    latest = session.scalars(
        select(Assignment)
        .where(Assignment.conversation_id == conversation.id)
        .order_by(Assignment.id.desc())
    ).first()
    holder = conversation.assignee.display_name if conversation.assignee else ""
    if not holder:
        team = session.get(Team, conversation.team_id) if conversation.team_id else None
        holder = f"the {team.name} team" if team else "another team"
    how = {"escalation": "escalated", "assign": "reassigned", "hand_back": "handed back"}
    kind = how.get(latest.kind, "moved") if latest else "escalated"
    reason = f": {latest.reason}" if latest and latest.reason else ""
    by = ""
    if latest and latest.by_user_id and latest.by_user_id != user_id:
        who = session.get(User, latest.by_user_id)
        by = f" by {who.display_name}" if who else ""
    return (
        f"{holder[:1].upper()}{holder[1:]} has this case now (it was {kind}{by}{reason}). "
        "You can still read it; your draft is kept, but it cannot be sent from here."
    )


def customer_scope(user: StaffPrincipal) -> ColumnElement[bool]:
    """A WHERE clause selecting the customers `user` may see."""
    if user.role is UserRole.ADMIN:
        return true()
    held = exists(
        select(Assignment.id).where(
            Assignment.conversation_id == Conversation.id, Assignment.from_user_id == user.user_id
        )
    )
    visible = select(Conversation.id).where(
        Conversation.customer_id == Customer.id, or_(conversation_scope(user), held)
    )
    return exists(visible)


def customer_for(session: Session, user: StaffPrincipal, customer_id: int) -> Customer:
    _real_id(customer_id, "customer")
    stmt = select(Customer).where(Customer.id == customer_id, customer_scope(user))
    customer = session.scalars(stmt).first()
    session.commit()
    if customer is None:
        raise NotFound(f"There is no customer {customer_id} that you can see.")
    return customer


def commitment_for(session: Session, user: StaffPrincipal, commitment_id: int) -> Commitment:
    _real_id(commitment_id, "commitment")
    commitment = session.get(Commitment, commitment_id)
    session.commit()
    if commitment is None:
        raise NotFound(f"There is no commitment {commitment_id} that you can see.")
    conversation_for(session, user, commitment.conversation_id)
    return commitment


def follow_up_for(session: Session, user: StaffPrincipal, follow_up_id: int) -> FollowUp:
    _real_id(follow_up_id, "follow-up")
    follow_up = session.get(FollowUp, follow_up_id)
    session.commit()
    if follow_up is None:
        raise NotFound(f"There is no follow-up {follow_up_id} that you can see.")
    conversation_for(session, user, follow_up.conversation_id)
    return follow_up


def require_team(session: Session, team_id: int | None) -> None:
    """NotFound unless `team_id` is None or names a team."""
    if team_id is not None and session.get(Team, team_id) is None:
        session.commit()
        raise NotFound(f"There is no team {team_id}.")
    session.commit()


def require_supervisor_of(user: StaffPrincipal, action: str) -> None:
    """Blocking and unblocking customers (P13) is for supervisors and admins."""
    if user.role not in (UserRole.SUPERVISOR, UserRole.ADMIN):
        raise PermissionDenied(f"Only a supervisor or an admin may {action} a customer.")
