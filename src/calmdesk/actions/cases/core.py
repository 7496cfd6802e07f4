"""P15 resolution cases: opening one on a conversation, and every step taken on it, audited.

The state machine and who may act are data in `calmdesk.analysis.cases`; these actions describe
the person acting (`party_for`), ask it for the transition, record the step and its effects:
a mediation proposal due (a durable timer), an arbitration decision due (a timer), the decision
told to the customer in the conversation, the appeal window (a timer that makes the decision final
when it closes).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.cases.effects import EFFECTS, Step, decision_due
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.escalation import load_conversation
from calmdesk.actions.timers import notify_scheduler
from calmdesk.actions.validate import clean_text, parse_enum
from calmdesk.analysis.cases import (
    OPENING,
    TERMINAL,
    CaseAlreadyOpen,
    NotAllowedToAct,
    Party,
    State,
    Track,
    Transition,
    Who,
    may_act,
    staff_sees,
    track_of,
    transition_for,
)
from calmdesk.domain import MalformedInput, NotFound, UnsupportedValue
from calmdesk.storage import AuditEntry, Conversation, Timer, User
from calmdesk.storage.cases import ResolutionCase, ResolutionStep

__all__ = [
    "case_records",
    "case_visible",
    "fire_appeal_window",
    "fire_decision_due",
    "fire_proposal_due",
    "load_case",
    "open_case",
    "party_for",
    "take_step",
]

_FIELDS = (
    "track", "state", "mediator_id", "proposal_due_at", "decision_due_at", "first_arbitrator_id",
    "decided_by_id",
    "decision", "reasons", "decided_at", "appeal_until", "outcome", "closed_at",
)  # fmt: skip
_ESCALATE_TO = ("mediation", "arbitration")


def party_for(
    session: Session, actor: Actor, case: ResolutionCase | None, conv: Conversation
) -> Party:
    """The person acting, as the state machine sees them; customers and inactive users may not."""
    if actor.label.startswith("system:") and actor.user_id is None:
        return Party(None, None)
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.is_active:
        raise NotAllowedToAct("Only active staff take steps on a resolution case.")
    sees = staff_sees(user.role.value, user.id, user.team_id, conv.assignee_id, conv.team_id)
    return Party(
        user.id,
        user.role.value,
        sees_conversation=sees,
        is_mediator=case is not None and case.mediator_id == user.id,
        authority_limit=float(user.authority_limit),
        handles_case=conv.assignee_id == user.id,
    )


def case_visible(party: Party, case: ResolutionCase) -> bool:
    """Who sees a case: those who see its conversation, its mediator, its arbitrators, and, while
    it is in arbitration, anyone who may decide it."""
    if party.is_system or party.sees_conversation or party.is_mediator:
        return True
    if party.user_id in (case.first_arbitrator_id, case.decided_by_id):
        return True
    arbitration = Track(case.track) is Track.ARBITRATION and State(case.state) not in TERMINAL
    return arbitration and may_act(Who.ARBITRATOR, party, case.amount)


def load_case(session: Session, case_id: int, *, lock: bool = True) -> ResolutionCase:
    """The case row (locked for update on PostgreSQL), or NotFound."""
    query = select(ResolutionCase).where(ResolutionCase.id == case_id)
    if lock:
        query = query.with_for_update()
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"There is no resolution case {case_id} that you can see.")
    return found


def open_case(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    track: str,
    reason: str,
    amount: float | str | None = None,
) -> ResolutionCase:
    """Open a case on a conversation in `track` (negotiation by its staff; the others by
    supervisors and admins); one open case per conversation."""
    chosen = parse_enum(Track, track, "Track")
    why = clean_text(reason, "reason", 2000)
    money = _amount(amount)
    with ctx.sessions.begin() as session:
        conv = load_conversation(session, conversation_id)
        party = party_for(session, actor, None, conv)
        if not party.is_system and not party.sees_conversation:
            raise NotFound(f"There is no conversation {conversation_id} that you can see.")
        state, who = OPENING[chosen]
        if not party.is_system and not may_act(who, party, money):
            raise NotAllowedToAct(f"Only supervisors and admins open a case in {chosen.value}.")
        if _open_case_of(session, conversation_id) is not None:
            raise CaseAlreadyOpen()
        now = ctx.now()
        case = ResolutionCase(
            conversation_id=conversation_id, track=chosen.value, state=state.value, reason=why,
            amount=money, opened_by_id=actor.user_id, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(case)
        session.flush()
        timers: list[Timer | None] = []
        if chosen is Track.ARBITRATION:
            decision_due(session, case, now, timers, "open")
        _record(session, actor, case, "open", state.value, {"track": chosen.value, "reason": why,
                "amount": money}, now)  # fmt: skip
        write_audit(session, actor, "resolution_case.opened", case, None, snapshot(case))
    notify_scheduler(ctx, timers)
    return case


def _amount(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        money = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise MalformedInput("The amount in dispute must be a number, like 120.50.") from exc
    if not 0 <= money <= 1e12 or money != money:
        raise MalformedInput("The amount in dispute must be between 0 and 1,000,000,000,000.")
    return money


def _open_case_of(session: Session, conversation_id: int) -> ResolutionCase | None:
    ended = [s.value for s in TERMINAL]
    query = select(ResolutionCase).where(
        ResolutionCase.conversation_id == conversation_id, ResolutionCase.state.not_in(ended)
    )
    return session.scalars(query).first()


def take_step(
    ctx: ActionContext, actor: Actor, case_id: int, step: str, data: Mapping[str, Any]
) -> ResolutionCase:
    """Take one step on a case (see `calmdesk.analysis.cases` for the steps and who may)."""
    timers: list[Timer | None] = []
    with ctx.sessions.begin() as session:
        case = load_case(session, case_id)
        conv = load_conversation(session, case.conversation_id)
        party = party_for(session, actor, case, conv)
        if not case_visible(party, case):
            raise NotFound(f"There is no resolution case {case_id} that you can see.")
        now = ctx.now()
        variant = str(data.get("to") or "") if step == "escalate" else ""
        if step == "escalate" and variant not in _ESCALATE_TO:
            raise UnsupportedValue("Escalate `to` must be mediation or arbitration.")
        transition = transition_for(
            State(case.state), str(step), party, variant=variant, amount=case.amount,
            first_arbitrator_id=case.first_arbitrator_id, appeal_until=case.appeal_until, now=now,
        )  # fmt: skip
        before = snapshot(case, *_FIELDS)
        recorded = EFFECTS[transition.step](Step(session, actor, case, conv, data, now, timers))
        _move(case, transition, now)
        _record(session, actor, case, transition.step, before["state"] if before else "",
                recorded, now)  # fmt: skip
        after = (snapshot(case, *_FIELDS) or {}) | {"step": transition.step, "data": recorded}
        write_audit(session, actor, f"resolution_case.{transition.step}", case, before, after)
    notify_scheduler(ctx, timers)
    return case


def _move(case: ResolutionCase, transition: Transition, now: datetime) -> None:
    case.state = transition.target.value
    case.track = track_of(transition.target, Track(case.track)).value
    case.updated_at = now
    if transition.target in TERMINAL:
        case.closed_at = now


def _record(
    session: Session, actor: Actor, case: ResolutionCase, step: str, before: str,
    data: dict[str, Any], now: datetime,
) -> ResolutionStep:  # fmt: skip
    count = session.scalar(
        select(func.count(ResolutionStep.id)).where(ResolutionStep.case_id == case.id)
    )
    row = ResolutionStep(
        case_id=case.id, step=step, state_before=before or case.state, state_after=case.state,
        actor=actor.label, actor_user_id=actor.user_id, data=data, seq=(count or 0) + 1,
        created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


_JOBS = Actor.system("jobs")


def _fire(session: Session, timer: Timer, now: datetime, step: str, *states: State) -> None:
    case = session.get(ResolutionCase, timer.target_id)
    if case is None or case.state not in states:
        return  # the proposal was made, the appeal lodged, or the case closed meanwhile
    state = State(case.state)
    conv = load_conversation(session, case.conversation_id)
    before = snapshot(case, *_FIELDS)
    transition = transition_for(state, step, Party(None, None))
    recorded = EFFECTS[step](Step(session, _JOBS, case, conv, {}, now, []))
    _move(case, transition, now)
    _record(session, _JOBS, case, step, state.value, recorded, now)
    after = (snapshot(case, *_FIELDS) or {}) | {"step": step, "data": recorded}
    write_audit(session, _JOBS, f"resolution_case.{step}", case, before, after)


def fire_proposal_due(session: Session, timer: Timer, now: datetime) -> None:
    """Timer: the mediator's proposal is due; recorded on the case when none was made."""
    _fire(session, timer, now, "proposal_overdue", State.MEDIATING)


def fire_appeal_window(session: Session, timer: Timer, now: datetime) -> None:
    """Timer: the appeal window closed without an appeal; the decision becomes final."""
    _fire(session, timer, now, "appeal_window_closed", State.DECIDED)


def fire_decision_due(session: Session, timer: Timer, now: datetime) -> None:
    """Timer: an arbitration or an appeal still has no decision; recorded on the case."""
    _fire(session, timer, now, "decision_overdue", State.ARBITRATING, State.APPEALED)


def case_records(session: Session, conversation_id: int) -> list[dict[str, Any]]:
    """Every case of a conversation with its steps and audit rows, JSON-ready (for exports)."""
    cases = session.scalars(
        select(ResolutionCase)
        .where(ResolutionCase.conversation_id == conversation_id)
        .order_by(ResolutionCase.id)
    ).all()
    out = []
    for case in cases:
        steps = session.scalars(
            select(ResolutionStep)
            .where(ResolutionStep.case_id == case.id)
            .order_by(ResolutionStep.seq)
        ).all()
        audit = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "resolution_cases", AuditEntry.entity_id == str(case.id))
            .order_by(AuditEntry.id)
        ).all()
        record = snapshot(case) or {}
        record["steps"] = [snapshot(s) for s in steps]
        record["audit"] = [snapshot(a, keep_text=True) for a in audit]
        out.append(record)
    return out
