"""The write transaction of a posted customer turn in SQLAlchemy Core statements.

A customer turn is the request a busy desk pays most often (issue 9: 100 a second through an
integration's API token), and the ORM's unit of work was most of its CPU: an identity map, change
tracking, a flush sorting its rows, the conversation loaded with its customer, assignee and team.
Here the common case is a few statements built once: one SELECT of the case with what a post
reads of it (the customer's standing and facts, the team's privacy policy, the SLA clock), the
turn INSERTed with its analysis, one UPDATE of the conversation, the SLA clock UPDATEd only when
its nearest target moves, the response timer INSERTed unless its key exists, the audit row.

What the unit of work did that a plain statement does not, is done here: the audit row's values
pass the payment guard (`privacy_guard.scrub_value`), the live feeds are told of the new turn and
the changed case (`storage.session_notes`, published after the commit as for a flush), the turn
returned is a detached `Turn` as the ORM would have left it. What is rare stays on the ORM
(`actions.turns` calls it with the conversation loaded then): a rule that fires for the first
time on this conversation (an escalation), and an SLA clock that a customer turn moves (a case
reopened after resolution, a next response now due, a case with no clock yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql.dml import Insert

from calmdesk.actions.audit import snapshot
from calmdesk.actions.context import Actor
from calmdesk.actions.privacy_guard import scrub_value
from calmdesk.actions.sla import customer_turn_moves_clock, nearest_due
from calmdesk.domain import Conflict, NotFound, PermissionDenied
from calmdesk.storage import (
    AuditEntry,
    AuthorRole,
    Conversation,
    ConversationStatus,
    Customer,
    CustomerStanding,
    Timer,
    TimerKind,
    TimerStatus,
    Turn,
)
from calmdesk.storage.desk import ConversationSla
from calmdesk.storage.enums import Channel, Priority
from calmdesk.storage.session_notes import note_desk_change, note_new_turn
from calmdesk.storage.trust import TeamPolicy

__all__ = [
    "CaseCustomer",
    "CaseRow",
    "SlaClock",
    "insert_timer",
    "load_case",
    "store_turn",
    "turn_audit",
    "update_case",
    "update_sla",
    "write_audit_row",
]

_CONVERSATIONS = cast(Table, Conversation.__table__)
_TURNS = cast(Table, Turn.__table__)
_SLAS = cast(Table, ConversationSla.__table__)
_TIMERS = cast(Table, Timer.__table__)
_AUDIT = cast(Table, AuditEntry.__table__)


@dataclass(slots=True)
class CaseCustomer:
    """What the rules read of the customer (`facts.customer_facts`)."""

    tier: str
    standing: CustomerStanding
    warnings_count: int
    complaints_count: int
    bad_experiences: list[str]


@dataclass(slots=True)
class SlaClock:
    """The columns of the conversation's SLA clock a customer turn reads and may move."""

    first_response_due_at: datetime | None
    first_response_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    due_at: datetime | None
    due_metric: str


@dataclass(slots=True)
class CaseRow:
    """The conversation as a post reads and changes it (the queue summary columns), its customer,
    its team's privacy policy (None: the team has no policy row) and its SLA clock (None: none)."""

    id: int
    team_id: int | None
    channel: Channel
    status: ConversationStatus
    priority: Priority
    escalation_risk: float
    trend: str
    upset: float
    cause: str
    risk_reasons: list[str]
    customer_turns: int
    updated_at: datetime
    last_customer_at: datetime | None
    customer: CaseCustomer
    mask_contacts: bool | None
    sla: SlaClock | None

    def check_open_to_customer(self) -> None:
        """As for the ORM path: blocked customers and closed cases refuse; a resolved or pending
        case opens again."""
        if self.customer.standing is CustomerStanding.BLOCKED:
            raise PermissionDenied("This customer is blocked; new messages are not accepted.")
        if self.status is ConversationStatus.CLOSED:
            raise Conflict("This conversation is closed; open a new one.")
        if self.status in (ConversationStatus.RESOLVED, ConversationStatus.PENDING):
            self.status = ConversationStatus.OPEN  # the customer answered or came back


_C = Conversation
_U = Customer
_S = ConversationSla
_CASE = (
    select(
        _C.id,
        _C.team_id,
        _C.channel,
        _C.status,
        _C.priority,
        _C.escalation_risk,
        _C.trend,
        _C.upset,
        _C.cause,
        _C.risk_reasons,
        _C.customer_turns,
        _C.updated_at,
        _C.last_customer_at,
        _U.tier,
        _U.standing,
        _U.warnings_count,
        _U.complaints_count,
        _U.bad_experiences,
        TeamPolicy.mask_contacts,
        _S.conversation_id.label("sla_id"),
        _S.first_response_due_at,
        _S.first_response_at,
        _S.next_response_due_at,
        _S.resolution_due_at,
        _S.due_at,
        _S.due_metric,
    )  # fmt: skip
    .join(_U, _U.id == _C.customer_id)
    .outerjoin(TeamPolicy, TeamPolicy.team_id == _C.team_id)
    .outerjoin(_S, _S.conversation_id == _C.id)
    .where(_C.id == bindparam("conversation_id"))
    .with_for_update(of=_CONVERSATIONS)  # PostgreSQL locks the case row; SQLite holds the file
)


def load_case(session: Session, conversation_id: int) -> CaseRow:
    """The case row (locked for update on PostgreSQL) with its customer, policy and clock, or
    NotFound."""
    r = session.connection().execute(_CASE, {"conversation_id": conversation_id}).first()
    if r is None:
        raise NotFound(f"No conversation with id {conversation_id}.")
    sla = None
    if r.sla_id is not None:
        sla = SlaClock(r.first_response_due_at, r.first_response_at, r.next_response_due_at,
                       r.resolution_due_at, r.due_at, r.due_metric)  # fmt: skip
    customer = CaseCustomer(r.tier, r.standing, r.warnings_count, r.complaints_count,
                            list(r.bad_experiences or []))  # fmt: skip
    return CaseRow(
        r.id, r.team_id, r.channel, r.status, r.priority, r.escalation_risk, r.trend, r.upset,
        r.cause, list(r.risk_reasons or []), r.customer_turns, r.updated_at, r.last_customer_at,
        customer, r.mask_contacts, sla,
    )  # fmt: skip


_INSERT_TURN = insert(_TURNS)


def store_turn(
    session: Session,
    conversation_id: int,
    seq: int,
    text: str,
    key: str | None,
    at: datetime,
    signals: dict[str, Any] | None,
) -> Turn:
    """INSERT the customer turn with its analysis; the turn as the ORM would return it after a
    flush and a commit (detached, every column set). The turn feed is told of it."""
    values = {
        "conversation_id": conversation_id, "seq": seq, "author_role": AuthorRole.CUSTOMER,
        "author_user_id": None, "text": text, "signals": signals, "review": None,
        "idempotency_key": key, "created_at": at,
    }  # fmt: skip
    key_row = session.connection().execute(_INSERT_TURN, values).inserted_primary_key
    assert key_row is not None
    turn = Turn(id=int(key_row[0]), **values)
    make_transient_to_detached(turn)
    note_new_turn(session, turn.id, conversation_id)
    return turn


_UPDATE_CASE = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("case_id"))
    .values(
        status=bindparam("status"),
        updated_at=bindparam("updated_at"),
        escalation_risk=bindparam("escalation_risk"),
        trend=bindparam("trend"),
        risk_reasons=bindparam("risk_reasons"),
        customer_turns=bindparam("customer_turns"),
        last_customer_at=bindparam("last_customer_at"),
        upset=bindparam("upset"),
        cause=bindparam("cause"),
    )  # fmt: skip
)


def update_case(session: Session, case: CaseRow) -> None:
    """UPDATE the conversation's status and queue summary to `case` (one statement, always the
    same: columns a customer turn did not change are written back with the value read under the
    lock). Open queues are told."""
    session.connection().execute(
        _UPDATE_CASE,
        {
            "case_id": case.id, "status": case.status, "updated_at": case.updated_at,
            "escalation_risk": case.escalation_risk, "trend": case.trend,
            "risk_reasons": case.risk_reasons, "customer_turns": case.customer_turns,
            "last_customer_at": case.last_customer_at, "upset": case.upset, "cause": case.cause,
        },
    )  # fmt: skip
    note_desk_change(session)


_UPDATE_DUE = (
    update(_SLAS)
    .where(_SLAS.c.conversation_id == bindparam("case_id"))
    .values(due_at=bindparam("due_at"), due_metric=bindparam("due_metric"))
)


def update_sla(session: Session, case: CaseRow) -> bool:
    """`sla_on_customer_turn` where nothing new falls due: the nearest target refreshed (UPDATEd
    only if it moved). False when the clock needs the ORM path (no clock, or one that moves)."""
    clock = case.sla
    if clock is None or customer_turn_moves_clock(
        clock.first_response_at, clock.next_response_due_at, clock.resolution_due_at
    ):
        return False
    at, metric = nearest_due(clock.first_response_due_at, clock.first_response_at,
                             clock.next_response_due_at, clock.resolution_due_at)  # fmt: skip
    if (at, metric) != (clock.due_at, clock.due_metric):
        session.connection().execute(
            _UPDATE_DUE, {"case_id": case.id, "due_at": at, "due_metric": metric}
        )
        clock.due_at, clock.due_metric = at, metric
        note_desk_change(session)
    return True


_TIMER_COLUMNS = ("key", "kind", "target_id", "due_at", "status", "attempts", "fired_at",
                  "last_error")  # fmt: skip
_insert_timer: dict[str, Insert] = {}


def _timer_statement(dialect: str) -> Insert:
    """INSERT a timer unless one with its key exists, returning the new id (built once per
    database kind: PostgreSQL and SQLite both say ON CONFLICT DO NOTHING)."""
    found = _insert_timer.get(dialect)
    if found is None:
        if dialect == "postgresql":
            found = pg_insert(_TIMERS).on_conflict_do_nothing(index_elements=["key"])
        elif dialect == "sqlite":
            found = sqlite_insert(_TIMERS).on_conflict_do_nothing(index_elements=["key"])
        else:  # pragma: no cover - calmdesk runs on SQLite and PostgreSQL
            raise NotImplementedError(dialect)
        found = found.returning(_TIMERS.c.id)
        _insert_timer[dialect] = found
    return found


def insert_timer(
    session: Session, kind: TimerKind, target_id: int, due_at: datetime
) -> Timer | None:
    """`timers.schedule_timer` in one statement: the new pending timer (detached), or None when
    one with the same key exists."""
    connection = session.connection()
    values = {
        "key": f"{kind.value}:{target_id}", "kind": kind, "target_id": target_id,
        "due_at": due_at, "status": TimerStatus.PENDING, "attempts": 0, "fired_at": None,
        "last_error": "",
    }  # fmt: skip
    new_id = connection.execute(_timer_statement(connection.dialect.name), values).scalar()
    if new_id is None:
        return None
    timer = Timer(id=int(new_id), **values)
    make_transient_to_detached(timer)
    return timer


_INSERT_AUDIT = insert(_AUDIT)


def write_audit_row(
    session: Session, actor: Actor, action: str, entity: str, entity_id: int,
    after: dict[str, Any] | None,
) -> None:  # fmt: skip
    """`audit.write_audit` for a row written here: the same values, through the same payment
    guard that redacts audit rows before a flush."""
    session.connection().execute(
        _INSERT_AUDIT,
        {
            "actor": actor.label, "actor_user_id": actor.user_id, "action": action,
            "entity": entity, "entity_id": str(entity_id), "before": None,
            "after": scrub_value(after),
        },
    )  # fmt: skip


def turn_audit(turn: Turn) -> dict[str, Any] | None:
    """What the audit keeps of a stored turn: where it is and who wrote it; of its text only
    the size (`audit.snapshot`)."""
    return snapshot(turn, "conversation_id", "seq", "author_role", "author_user_id", "text")
