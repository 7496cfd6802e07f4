"""P15: conflict resolution beyond one agent. Three workflows, each a small state machine; every
step says who may take it, is validated, moves the deadline and writes an audit entry.

negotiation   open --offer/answer/common_ground--> open --agree--> agreed
                                                         --fail---> failed
mediation     awaiting_mediator --assign_mediator--> in_mediation --position--> in_mediation
              in_mediation --propose--> proposed --accept--> accepted | --reject--> rejected
arbitration   awaiting_decision --decide--> decided --inform--> informed
              informed --appeal (within the window)--> appealed | --close (after it)--> closed

Who may act: negotiation steps, anyone who may act on the case; assigning a mediator or an
arbitrator, supervisors and admins; the mediator is a neutral person from outside the case's team
and only they record positions, the proposal and its answer; only an admin, or a supervisor who
is not handling the case, decides an arbitration, and the decision is binding. Deadlines come from
`DEADLINES`; `sweep_p15` (a job) records a missed deadline once and closes arbitrations whose
appeal window has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.escalation import load_conversation
from calmdesk.actions.validate import clean_text
from calmdesk.domain.errors import Conflict, InputError, NotFound, PermissionDenied
from calmdesk.storage.desk import P15Case
from calmdesk.storage.enums import ConversationStatus, UserRole
from calmdesk.storage.people import User
from calmdesk.storage.records import Conversation

__all__ = ["DEADLINES", "KINDS", "STEPS", "open_p15", "p15_step", "steps_for", "sweep_p15"]

KINDS = {
    "negotiation": "open",
    "mediation": "awaiting_mediator",
    "arbitration": "awaiting_decision",
}
DEADLINES = {  # how long a state may last before the deadline is missed
    "open": timedelta(days=3),
    "awaiting_mediator": timedelta(days=2),
    "in_mediation": timedelta(days=7),
    "proposed": timedelta(days=3),
    "awaiting_decision": timedelta(days=5),
    "decided": timedelta(days=1),  # tell the customer within a day
}
APPEAL_WINDOW = timedelta(days=14)
_ACTOR = Actor.system("p15")


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    frm: tuple[str, ...]
    to: str
    who: str  # case (anyone acting on the case), boss (supervisor/admin), neutral, arbiter
    needs: tuple[str, ...] = ("text",)


STEPS: dict[str, Step] = {
    "offer": Step("negotiation", ("open",), "open", "case"),
    "answer": Step("negotiation", ("open",), "open", "case"),
    "common_ground": Step("negotiation", ("open",), "open", "case"),
    "agree": Step("negotiation", ("open",), "agreed", "case"),
    "fail": Step("negotiation", ("open",), "failed", "case"),
    "assign_mediator": Step(
        "mediation", ("awaiting_mediator",), "in_mediation", "boss", ("user_id",)
    ),
    "position": Step("mediation", ("in_mediation",), "in_mediation", "neutral", ("text", "side")),
    "propose": Step("mediation", ("in_mediation",), "proposed", "neutral"),
    "accept": Step("mediation", ("proposed",), "accepted", "neutral", ()),
    "reject": Step("mediation", ("proposed",), "rejected", "neutral"),
    "decide": Step(
        "arbitration", ("awaiting_decision",), "decided", "arbiter", ("text", "reasons")
    ),
    "inform": Step("arbitration", ("decided",), "informed", "case"),
    "appeal": Step("arbitration", ("informed",), "appealed", "case"),
}
_CLOSED = {"agreed", "failed", "accepted", "rejected", "appealed", "closed"}


def steps_for(case: P15Case) -> list[str]:
    """The steps that can follow in this case's state (whoever may take them)."""
    return [n for n, s in STEPS.items() if s.kind == case.kind and case.state in s.frm]


def open_p15(
    ctx: ActionContext, actor: Actor, conversation_id: int, kind: str, note: str = ""
) -> P15Case:
    """Start a negotiation, a mediation or an arbitration for a case."""
    if kind not in KINDS:
        raise InputError("Choose negotiation, mediation or arbitration.")
    why = clean_text(note, "note", 2000) if note and note.strip() else ""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        if conversation.status is ConversationStatus.CLOSED:
            raise Conflict("This conversation is closed.")
        running = session.scalars(
            select(P15Case).where(
                P15Case.conversation_id == conversation_id, P15Case.closed_at.is_(None)
            )
        ).first()
        if running is not None:
            raise Conflict(f"A {running.kind} is already under way for this case; finish it first.")
        state = KINDS[kind]
        row = P15Case(
            conversation_id=conversation_id, kind=kind, state=state, opened_by=actor.user_id,
            record={"note": why, "events": []}, binding=False,
            deadline_at=now + DEADLINES[state], updated_at=now,
        )  # fmt: skip
        session.add(row)
        write_audit(session, actor, f"p15.{kind}_opened", row)
    return row


def _who(session: Session, actor: Actor, case: P15Case, step: Step, c: Conversation) -> None:
    me = session.get(User, actor.user_id) if actor.user_id is not None else None
    if me is None or not me.is_active:
        raise PermissionDenied("Only active staff can take P15 steps.")
    boss = me.role in (UserRole.SUPERVISOR, UserRole.ADMIN)
    if step.who == "boss" and not boss:
        raise PermissionDenied("Only a supervisor or an admin assigns a mediator.")
    if step.who == "neutral" and me.id != case.neutral_id:
        raise PermissionDenied("Only the mediator of this case records that.")
    if step.who == "arbiter" and not (
        me.role is UserRole.ADMIN or (me.role is UserRole.SUPERVISOR and c.assignee_id != me.id)
    ):
        raise PermissionDenied(
            "Only an admin, or a supervisor who is not handling the case, decides an arbitration."
        )


def _neutral(session: Session, c: Conversation, user_id: Any) -> User:
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise NotFound("Choose an active staff member as mediator.")
    if c.team_id is not None and user.team_id == c.team_id:
        raise InputError("The mediator must come from outside the case's team (a neutral person).")
    if user.id == c.assignee_id:
        raise InputError("The mediator cannot be the person handling the case.")
    return user


def p15_step(ctx: ActionContext, actor: Actor, case_id: int, step: str, **fields: Any) -> P15Case:
    """Take one step (see the module docstring); refuses steps the state or the person cannot."""
    spec = STEPS.get(step)
    if spec is None:
        raise InputError(f"Unknown step {step!r}; one of: {', '.join(STEPS)}.")
    now = ctx.now()
    with ctx.sessions.begin() as session:
        case = session.get(P15Case, case_id, with_for_update=True)
        if case is None:
            raise NotFound(f"No P15 case with id {case_id}.")
        if case.kind != spec.kind or case.state not in spec.frm:
            allowed = ", ".join(steps_for(case)) or "none (it is finished)"
            raise Conflict(f"This {case.kind} is {case.state}; the next steps are: {allowed}.")
        conversation = load_conversation(session, case.conversation_id)
        _who(session, actor, case, spec, conversation)
        before = snapshot(case, "state", "neutral_id", "deadline_at")
        event = _event(session, case, spec, step, conversation, fields, now)
        event |= {"step": step, "by": actor.label, "at": now.isoformat()}
        record = dict(case.record or {})
        record["events"] = [*record.get("events", []), event]
        _remember(record, step, event)
        if step == "decide":
            case.neutral_id = actor.user_id  # the arbitrator
        if spec.to != case.state:
            case.overdue_at = None  # a new state, a new deadline
        case.record, case.state, case.updated_at = record, spec.to, now
        case.deadline_at = now + DEADLINES[spec.to] if spec.to in DEADLINES else None
        if spec.to in _CLOSED:
            case.closed_at = now
        after = (snapshot(case, "state", "neutral_id", "deadline_at") or {}) | event
        write_audit(session, actor, f"p15.{step}", case, before, after)
    return case


def _event(
    session: Session, case: P15Case, spec: Step, step: str, c: Conversation,
    fields: dict[str, Any], now: datetime,
) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {}
    if "text" in spec.needs:
        out["text"] = clean_text(fields.get("text"), "text", 4000)
    if "reasons" in spec.needs:
        out["reasons"] = clean_text(fields.get("reasons"), "reasons", 4000)
    if "side" in spec.needs:
        side = fields.get("side")
        if side not in ("customer", "company"):
            raise InputError("A position is the customer's or the company's.")
        out["side"] = side
    if step == "assign_mediator":
        mediator = _neutral(session, c, fields.get("user_id"))
        case.neutral_id = mediator.id
        out["mediator"] = mediator.display_name
    if step == "decide":
        case.binding, out["binding"] = True, True
    if step == "inform":
        case.customer_informed_at = now
        case.appeal_until = now + APPEAL_WINDOW
        out["appeal_until"] = case.appeal_until.isoformat()
    if step == "appeal" and case.appeal_until is not None and now > case.appeal_until:
        raise Conflict("The appeal window has closed; the decision is final.")
    return out


def _remember(record: dict[str, Any], step: str, event: dict[str, Any]) -> None:
    """Keep the latest of each part readable without replaying the events."""
    text = event.get("text", "")
    if step in ("offer", "answer"):
        record.setdefault(f"{step}s", []).append(text)
    elif step == "position":
        record.setdefault("positions", {})[event["side"]] = text
    elif step in ("common_ground", "propose", "agree", "fail", "reject", "appeal"):
        record[{"propose": "proposal"}.get(step, step)] = text
    elif step == "decide":
        record["decision"], record["reasons"] = text, event["reasons"]
    elif step == "accept":
        record["accepted"] = True


def sweep_p15(ctx: ActionContext, now: datetime | None = None) -> int:
    """Record each missed deadline once; close arbitrations whose appeal window has passed."""
    when = now or ctx.now()
    done = 0
    with ctx.sessions.begin() as session:
        late = session.scalars(
            select(P15Case).where(
                P15Case.closed_at.is_(None), P15Case.deadline_at <= when,
                P15Case.overdue_at.is_(None),
            )
        ).all()  # fmt: skip
        for case in late:
            case.overdue_at = when
            write_audit(session, _ACTOR, "p15.deadline_missed", case, None,
                        snapshot(case, "kind", "state", "deadline_at"))  # fmt: skip
            done += 1
        final = session.scalars(
            select(P15Case).where(P15Case.state == "informed", P15Case.appeal_until <= when)
        ).all()
        for case in final:
            before = snapshot(case, "state")
            session.execute(
                update(P15Case).where(P15Case.id == case.id).values(state="closed", closed_at=when)
            )
            write_audit(session, _ACTOR, "p15.closed_final", case, before, {"state": "closed"})
            done += 1
    return done
