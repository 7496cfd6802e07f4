"""Desk reads for the console: who holds a case and what you may do with it, SLA time left, tags,
and the queue with its sorts and filter counts. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from calmdesk.storage.cases import ResolutionCase
from calmdesk.storage.desk import Assignment, ConversationSla, ConversationTag, Macro
from calmdesk.storage.enums import CommitmentStatus, ConversationStatus, UserRole
from calmdesk.storage.people import Team, User
from calmdesk.storage.records import Commitment, Conversation, FollowUp
from calmdesk.web.access import can_see, conversation_scope, held_elsewhere
from calmdesk.web.console.reads import QUEUE_VIEWS, QueueRow, last_customer_signals, queue_row
from calmdesk.web.deps import StaffPrincipal

__all__ = [
    "QUEUE_SORTS",
    "DESK_VIEWS",
    "DeskPanel",
    "DeskRow",
    "desk_panel",
    "desk_queue",
    "macros_for",
    "sla_due_map",
    "tags_of",
    "time_left",
]

QUEUE_SORTS: tuple[tuple[str, str], ...] = (
    ("urgent", "Most urgent"),
    ("sla", "SLA due"),
    ("risk", "Escalation risk"),
    ("waiting", "Longest waiting"),
)
_ACTIVE = (ConversationStatus.OPEN, ConversationStatus.PENDING, ConversationStatus.ESCALATED)
_LIMIT = 200
_SOON_S = 30 * 60


def time_left(due: datetime | None, now: datetime) -> tuple[str, str]:
    """(`25 min left` or `overdue 2 h`, state `ok`, `soon` or `late`); empty when no due time."""
    if due is None:
        return "", ""
    seconds = (due - now).total_seconds()
    span = abs(int(seconds // 60)) if seconds >= 0 else abs(int(-seconds // 60))
    if span < 60:
        text = f"{span} min"
    elif span < 48 * 60:
        hours, mins = divmod(span, 60)
        text = f"{hours} h {mins} min" if mins else f"{hours} h"
    else:
        text = f"{span // 1440} d"
    if seconds < 0:
        return f"overdue {text}", "late"
    return f"{text} left", "soon" if seconds <= _SOON_S else "ok"


def sla_due_map(session: Session, ids: Iterable[int]) -> dict[int, ConversationSla]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.scalars(select(ConversationSla).where(ConversationSla.conversation_id.in_(ids)))
    return {r.conversation_id: r for r in rows}


def tags_of(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if ids:
        stmt = (
            select(ConversationTag.conversation_id, ConversationTag.tag)
            .where(ConversationTag.conversation_id.in_(ids))
            .order_by(ConversationTag.tag)
        )
        for cid, tag in session.execute(stmt):
            out.setdefault(int(cid), []).append(str(tag))
    return out


def _late_promises(session: Session, ids: list[int], now: datetime) -> dict[int, datetime]:
    """The earliest overdue promise or follow-up (a callback owed) of each conversation."""
    if not ids:
        return {}
    late: dict[int, datetime] = {}
    promises = session.execute(
        select(Commitment.conversation_id, func.min(Commitment.due_at))
        .where(Commitment.conversation_id.in_(ids), Commitment.completed_at.is_(None))
        .where(
            or_(
                Commitment.status == CommitmentStatus.BROKEN,
                (Commitment.status == CommitmentStatus.OPEN) & (Commitment.due_at < now),
            )
        )
        .group_by(Commitment.conversation_id)
    ).all()
    follow_ups = session.execute(
        select(FollowUp.conversation_id, func.min(FollowUp.due_at))
        .where(FollowUp.conversation_id.in_(ids), FollowUp.done.is_(False), FollowUp.due_at < now)
        .group_by(FollowUp.conversation_id)
    ).all()
    for cid, due in [*promises, *follow_ups]:
        if due is not None:
            late[int(cid)] = min(due, late.get(int(cid), due))
    return late


@dataclass(frozen=True, slots=True)
class DeskRow:
    """A queue row with what the desk adds: SLA time left, an owed callback, tags."""

    row: QueueRow
    sla_due: datetime | None = None
    sla_label: str = ""
    sla_state: str = ""
    sla_metric: str = ""
    callback_late: bool = False
    tags: tuple[str, ...] = ()

    @property
    def overdue(self) -> bool:
        return self.callback_late or self.sla_state == "late"

    def __getattr__(self, name: str) -> Any:  # the template reads row.* through it
        return getattr(self.row, name)


def _sort_key(sort: str, now: datetime) -> Any:
    far = datetime.max.replace(tzinfo=now.tzinfo)
    if sort == "sla":
        return lambda d: (d.sla_due is None, d.sla_due or far, -d.row.risk)
    if sort == "risk":
        return lambda d: (-round(d.row.risk, 2), -d.row.waited_s)
    if sort == "waiting":
        return lambda d: (-d.row.waited_s, -d.row.risk)
    # urgent: whatever is overdue (a late SLA or an owed callback) first, then risk, urgency, wait
    return lambda d: (
        not d.overdue,
        -round(d.row.risk, 2),
        -round(d.row.urgency, 2),
        -d.row.waited_s,
    )


def _view_conditions(view: str, user: StaffPrincipal) -> list[ColumnElement[bool]]:
    if view == "mine":
        return [Conversation.assignee_id == user.user_id, Conversation.status.in_(_ACTIVE)]
    if view == "unassigned":
        return [Conversation.assignee_id.is_(None), Conversation.status.in_(_ACTIVE)]
    if view == "escalated":
        return [Conversation.status == ConversationStatus.ESCALATED]
    if view == "resolved":
        return [Conversation.status.in_((ConversationStatus.RESOLVED, ConversationStatus.CLOSED))]
    return [Conversation.status.in_(_ACTIVE)]


DESK_VIEWS: tuple[tuple[str, str], ...] = (
    QUEUE_VIEWS[0], QUEUE_VIEWS[1], ("unassigned", "Unassigned"), *QUEUE_VIEWS[2:],
)  # fmt: skip


def desk_queue(
    session: Session, user: StaffPrincipal, view: str, sort: str, tag: str, now: datetime
) -> tuple[list[DeskRow], dict[str, int]]:
    """The queue rows of one view, sorted, and how many cases each view holds."""
    scope = conversation_scope(user)
    where = [scope, *_view_conditions(view, user)]
    if tag:
        where.append(
            Conversation.id.in_(
                select(ConversationTag.conversation_id).where(ConversationTag.tag == tag)
            )
        )
    overdue_first = (ConversationSla.due_at.is_not(None)) & (ConversationSla.due_at <= now)
    stmt = (
        select(Conversation)
        .outerjoin(ConversationSla, ConversationSla.conversation_id == Conversation.id)
        .where(*where)
        .order_by(overdue_first.desc(), Conversation.escalation_risk.desc(), Conversation.id)
        .limit(_LIMIT)
    )
    conversations = list(session.scalars(stmt).unique().all())
    ids = [c.id for c in conversations]
    signals, slas = last_customer_signals(session, ids), sla_due_map(session, ids)
    tags, late = tags_of(session, ids), _late_promises(session, ids, now)
    rows = []
    for c in conversations:
        sla = slas.get(c.id)
        due = sla.due_at if sla is not None and c.status in _ACTIVE else None
        label, state = time_left(due, now)
        rows.append(
            DeskRow(
                queue_row(c, signals.get(c.id), now), due, label, state,
                (sla.due_metric if sla and due else "").replace("_", " "),
                c.id in late, tuple(tags.get(c.id, ())),
            )
        )  # fmt: skip
    rows.sort(key=_sort_key(sort, now))
    return rows, _counts(session, user)


def _counts(session: Session, user: StaffPrincipal) -> dict[str, int]:
    """How many cases each view holds, in one query."""
    columns = [
        func.coalesce(func.sum(case((and_(*_view_conditions(key, user)), 1), else_=0)), 0)
        for key, _ in DESK_VIEWS
    ]
    row = session.execute(select(*columns).where(conversation_scope(user))).one()
    return {key: int(n) for (key, _), n in zip(DESK_VIEWS, row, strict=True)}


@dataclass
class DeskPanel:
    """The case's hands and clocks, and the assignment actions `user` may take."""

    held_notice: str = ""
    assignee: str = ""
    team: str = ""
    can_claim: bool = False
    can_hand_back: bool = False
    can_assign: bool = False
    may_escalate: bool = True
    may_block: bool = False
    people: list[tuple[int, str]] = field(default_factory=list)
    teams: list[tuple[int, str]] = field(default_factory=list)
    sla_label: str = ""
    sla_state: str = ""
    sla_metric: str = ""
    sla_policy: str = ""
    tags: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    macros: list[tuple[int, str]] = field(default_factory=list)
    p15: list[dict[str, Any]] = field(default_factory=list)  # resolution cases (docs/p15.md)


def desk_panel(session: Session, user: StaffPrincipal, c: Conversation, now: datetime) -> DeskPanel:
    held = "" if can_see(user, c) else (held_elsewhere(session, user.user_id, c) or "")
    team = session.get(Team, c.team_id) if c.team_id else None
    done = c.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED)
    boss = user.role in (UserRole.SUPERVISOR, UserRole.ADMIN)
    panel = DeskPanel(
        held_notice=held,
        assignee=c.assignee.display_name if c.assignee else "",
        team=team.name if team else "",
        can_claim=not held and c.assignee_id is None and c.status is not ConversationStatus.CLOSED
        and (user.role is UserRole.ADMIN or c.team_id == user.team_id),
        can_hand_back=not held and c.assignee_id is not None
        and (c.assignee_id == user.user_id or boss) and c.status is not ConversationStatus.CLOSED,
        can_assign=not held and boss and c.status is not ConversationStatus.CLOSED,
        may_escalate=not held and not done,
        may_block=boss,
    )  # fmt: skip
    if panel.can_assign:
        people = session.execute(
            select(User.id, User.display_name, User.role)
            .where(User.is_active.is_(True))
            .order_by(User.display_name)
            .limit(200)
        ).all()
        panel.people = [(int(i), f"{n} ({r})") for i, n, r in people]
        panel.teams = [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))]
    sla = session.get(ConversationSla, c.id)
    if sla is not None and not done:
        panel.sla_label, panel.sla_state = time_left(sla.due_at, now)
        panel.sla_metric, panel.sla_policy = sla.due_metric.replace("_", " "), sla.policy
    panel.tags = tags_of(session, [c.id]).get(c.id, [])
    panel.history = _history(session, c.id)
    panel.macros = [(m.id, m.title) for m in macros_for(session, user)]
    panel.p15 = _p15(session, c.id, now)
    return panel


def _p15(session: Session, conversation_id: int, now: datetime) -> list[dict[str, Any]]:
    """The conversation's resolution cases (P15), newest first, with the deadline that runs."""
    rows = session.scalars(
        select(ResolutionCase)
        .where(ResolutionCase.conversation_id == conversation_id)
        .order_by(ResolutionCase.id.desc())
        .limit(5)
    )
    out = []
    for r in rows:
        due = r.proposal_due_at if r.state == "mediating" else None
        due = r.appeal_until if r.state == "decided" else due
        due = r.decision_due_at if r.state in ("arbitrating", "appealed") else due
        label, state = time_left(due, now) if due is not None else ("", "")
        out.append({"id": r.id, "track": r.track, "state": r.state.replace("_", " "),
                    "raw_state": r.state, "deadline": label, "deadline_state": state})  # fmt: skip
    return out


def _history(session: Session, conversation_id: int) -> list[str]:
    rows = list(
        session.scalars(
            select(Assignment)
            .where(Assignment.conversation_id == conversation_id)
            .order_by(Assignment.id.desc())
            .limit(5)
        )
    )
    ids = {i for r in rows for i in (r.to_user_id, r.from_user_id, r.by_user_id) if i}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    labels = {"claim": "claimed by", "assign": "assigned to", "hand_back": "handed back by",
              "auto": "auto-assigned to", "escalation": "escalated to"}  # fmt: skip
    out = []
    for r in rows:
        who = names.get(r.to_user_id or 0) or ("the team" if r.to_user_id is None else "someone")
        if r.kind == "hand_back":
            who = names.get(r.from_user_id or 0, "someone")
        out.append(f"{labels.get(r.kind, r.kind)} {who}" + (f": {r.reason}" if r.reason else ""))
    return out


def macros_for(session: Session, user: StaffPrincipal) -> list[Macro]:
    """The macros `user` may use: their team's and those for every team (admins: all)."""
    stmt = select(Macro).order_by(Macro.title, Macro.id)
    if user.role is not UserRole.ADMIN:
        stmt = stmt.where(or_(Macro.team_id.is_(None), Macro.team_id == user.team_id))
    return list(session.scalars(stmt).all())
