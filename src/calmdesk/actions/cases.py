"""P15 resolution cases: opening one on a conversation, and every step taken on it, audited.

The state machine and who may act are data in `calmdesk.analysis.cases`; these actions describe
the person acting (`party_for`), ask it for the transition, record the step and its effects:
a mediation proposal due (a durable timer), an arbitration decision due (a timer), the decision
told to the customer in the conversation, the appeal window (a timer that makes the decision final
when it closes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.escalation import load_conversation
from calmdesk.actions.timers import cancel_timers, notify_scheduler, schedule_timer
from calmdesk.actions.validate import clean_text, parse_enum
from calmdesk.analysis.cases import (
    OPENING,
    TERMINAL,
    CaseAlreadyOpen,
    NotAllowedToAct,
    Party,
    PositionsMissing,
    State,
    Track,
    Transition,
    UnknownOffer,
    Who,
    check_mediator,
    may_act,
    staff_sees,
    track_of,
    transition_for,
)
from calmdesk.domain import MalformedInput, NotFound, UnsupportedValue
from calmdesk.storage import AuditEntry, AuthorRole, Conversation, Timer, TimerKind, Turn, User
from calmdesk.storage.cases import ResolutionCase, ResolutionStep

__all__ = [
    "APPEAL_DAYS",
    "DECISION_DAYS",
    "PROPOSAL_DAYS",
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

PROPOSAL_DAYS = 5
DECISION_DAYS = 5  # an arbitration (or an appeal) waiting longer for a decision is overdue
APPEAL_DAYS = 14
_TEXT_MAX = 4000
_FIELDS = (
    "track", "state", "mediator_id", "proposal_due_at", "decision_due_at", "first_arbitrator_id",
    "decided_by_id",
    "decision", "reasons", "decided_at", "appeal_until", "outcome", "closed_at",
)  # fmt: skip
_ANSWERS = ("accepted", "declined", "countered")
_SIDES = ("customer", "company")
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
            _decision_due(session, case, now, timers, "open")
        _record(session, actor, case, "open", state.value, {"track": chosen.value, "reason": why,
                "amount": money}, now)  # fmt: skip
        write_audit(session, actor, "resolution_case.opened", case, None, snapshot(case))
    notify_scheduler(ctx, timers)
    return case


def _decision_due(
    session: Session, case: ResolutionCase, now: datetime, timers: list[Timer | None], tag: str
) -> None:
    """An arbitration (or an appeal) is due a decision within DECISION_DAYS (a timer)."""
    cancel_timers(session, case.id, TimerKind.CASE_DECISION_DUE)
    case.decision_due_at = now + timedelta(days=DECISION_DAYS)
    timers.append(schedule_timer(session, TimerKind.CASE_DECISION_DUE, case.id,
                                 case.decision_due_at, tag))  # fmt: skip


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
        recorded = _EFFECTS[transition.step](_Step(session, actor, case, conv, data, now, timers))
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


def _text(data: Mapping[str, Any], key: str, what: str, *, required: bool = True) -> str:
    value = data.get(key)
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return ""
    return clean_text(value, what, _TEXT_MAX)


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], what: str) -> str:
    value = data.get(key)
    if value not in allowed:
        raise UnsupportedValue(f"The {what} {value!r} is not one of: {', '.join(allowed)}.")
    return str(value)


def _days(data: Mapping[str, Any], key: str, default: int, most: int) -> int:
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not str(value).strip().isdigit() or not 1 <= int(value) <= most:
        raise MalformedInput(f"`{key}` must be a whole number of days from 1 to {most}.")
    return int(value)


def _id(value: object) -> int | None:
    """An id from JSON (an int) or a form (digits); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**31 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value)
    return None


@dataclass(frozen=True, slots=True)
class _Step:
    """What a step's effect works on."""

    session: Session
    actor: Actor
    case: ResolutionCase
    conv: Conversation
    data: Mapping[str, Any]
    now: datetime
    timers: list[Timer | None]


Effects = dict[str, Any]


def _offer(s: _Step) -> Effects:
    return {"text": _text(s.data, "text", "offer")}


def _answer(s: _Step) -> Effects:
    offer_id = _id(s.data.get("offer_id"))
    offer = s.session.get(ResolutionStep, offer_id) if offer_id is not None else None
    if offer is None or offer.case_id != s.case.id or offer.step != "offer":
        raise UnknownOffer()
    answer = _choice(s.data, "answer", _ANSWERS, "answer")
    return {"offer_id": offer.id, "answer": answer, "text": _text(s.data, "text", "answer",
            required=False)}  # fmt: skip


def _plain(key: str, what: str, *, required: bool = True) -> Any:
    def effect(s: _Step) -> Effects:
        return {key: _text(s.data, key, what, required=required)}

    return effect


def _ending(outcome: str) -> Any:
    def effect(s: _Step) -> Effects:
        text = _text(s.data, "text", "outcome", required=False)
        s.case.outcome = f"{outcome}: {text}" if text else outcome
        return {"outcome": outcome, "text": text}

    return effect


def _escalate(s: _Step) -> Effects:
    cancel_timers(s.session, s.case.id, TimerKind.CASE_PROPOSAL_DUE)
    if s.data.get("to") == "arbitration":
        _decision_due(s.session, s.case, s.now, s.timers, "escalated")
    return {"to": str(s.data.get("to")), "reason": _text(s.data, "reason", "reason")}


def _assign(s: _Step) -> Effects:
    user_id = _id(s.data.get("user_id"))
    mediator = s.session.get(User, user_id) if user_id is not None else None
    if mediator is None:
        raise NotFound(f"There is no user {user_id!r} to mediate.")
    check_mediator(mediator.role.value, mediator.is_active, mediator.team_id, s.conv.team_id,
                   handles=mediator.id == s.conv.assignee_id)  # fmt: skip
    days = _days(s.data, "proposal_due_days", PROPOSAL_DAYS, 60)
    cancel_timers(s.session, s.case.id, TimerKind.CASE_PROPOSAL_DUE)
    s.case.mediator_id, s.case.proposal_due_at = mediator.id, s.now + timedelta(days=days)
    done = s.session.scalar(
        select(func.count(ResolutionStep.id)).where(ResolutionStep.case_id == s.case.id)
    )
    tag = f"{mediator.id}:{done or 0}"  # one timer per assignment
    s.timers.append(schedule_timer(s.session, TimerKind.CASE_PROPOSAL_DUE, s.case.id,
                                 s.case.proposal_due_at, tag))  # fmt: skip
    return {"user_id": mediator.id, "mediator": mediator.display_name, "proposal_due_days": days,
            "proposal_due_at": s.case.proposal_due_at.isoformat()}  # fmt: skip


def _position(s: _Step) -> Effects:
    return {
        "side": _choice(s.data, "side", _SIDES, "side"),
        "text": _text(s.data, "text", "position"),
    }


def _proposal(s: _Step) -> Effects:
    text = _text(s.data, "text", "proposal")
    rows = s.session.scalars(
        select(ResolutionStep.data).where(
            ResolutionStep.case_id == s.case.id, ResolutionStep.step == "position"
        )
    ).all()
    if {row.get("side") for row in rows} != set(_SIDES):
        raise PositionsMissing()
    cancel_timers(s.session, s.case.id, TimerKind.CASE_PROPOSAL_DUE)
    return {"text": text}


def _decide(s: _Step) -> Effects:
    decision = _text(s.data, "decision", "decision")
    reasons = _text(s.data, "reasons", "reasons")
    appeal = s.case.first_arbitrator_id is not None
    cancel_timers(s.session, s.case.id, TimerKind.CASE_DECISION_DUE)
    s.case.decision_due_at = None
    s.case.decided_by_id, s.case.decision, s.case.reasons, s.case.decided_at = (
        s.actor.user_id, decision, reasons, s.now,
    )  # fmt: skip
    if appeal:
        s.case.outcome = f"final after appeal: {decision}"
        notice = f"Decision on your appeal: {decision}\nReasons: {reasons}\nThis decision is final."
        effects: Effects = {"decision": decision, "reasons": reasons, "appeal": True}
    else:
        days = _days(s.data, "appeal_days", APPEAL_DAYS, 90)
        s.case.first_arbitrator_id, s.case.appeal_until = (
            s.actor.user_id,
            s.now + timedelta(days=days),
        )
        s.case.outcome = f"decided: {decision}"
        until = s.case.appeal_until.strftime("%d %B %Y %H:%M UTC")
        notice = (
            f"Decision on your case: {decision}\nReasons: {reasons}\nThis decision is binding. "
            f"If you disagree, you may appeal until {until} by replying here."
        )
        s.timers.append(schedule_timer(s.session, TimerKind.CASE_APPEAL_CLOSES, s.case.id,
                                     s.case.appeal_until))  # fmt: skip
        effects = {"decision": decision, "reasons": reasons, "appeal_days": days,
                   "appeal_until": s.case.appeal_until.isoformat()}  # fmt: skip
    effects["notice_turn_id"] = _tell_customer(s.session, s.actor, s.conv, notice, s.now).id
    return effects


def _appeal(s: _Step) -> Effects:
    cancel_timers(s.session, s.case.id, TimerKind.CASE_APPEAL_CLOSES)
    _decision_due(s.session, s.case, s.now, s.timers, "appeal")
    return {"reason": _text(s.data, "reason", "reason")}


def _system(note: str) -> Any:
    def effect(s: _Step) -> Effects:
        if note.endswith("final"):
            s.case.outcome = f"final: {s.case.decision}"
        return {"note": note}

    return effect


def _tell_customer(
    session: Session, actor: Actor, conv: Conversation, text: str, now: datetime
) -> Turn:
    """A customer-visible notice in the conversation (a `system` turn, shown in the chat)."""
    last = session.scalar(select(func.max(Turn.seq)).where(Turn.conversation_id == conv.id))
    turn = Turn(
        conversation_id=conv.id, seq=(last or 0) + 1, author_role=AuthorRole.SYSTEM, text=text,
        author_user_id=actor.user_id, created_at=now,
    )  # fmt: skip
    session.add(turn)
    session.flush()
    conv.updated_at = now
    write_audit(session, actor, "turn.case_notice", turn, None,
                snapshot(turn, "conversation_id", "seq", "author_role", "text"))  # fmt: skip
    return turn


_EFFECTS: dict[str, Any] = {
    "offer": _offer,
    "answer": _answer,
    "common_ground": _plain("text", "common ground"),
    "agreed": _ending("agreed"),
    "not_agreed": _ending("not agreed"),
    "escalate": _escalate,
    "assign_mediator": _assign,
    "position": _position,
    "proposal": _proposal,
    "accept": _ending("proposal accepted"),
    "reject": _ending("proposal rejected"),
    "decide": _decide,
    "appeal": _appeal,
    "close": _plain("reason", "reason"),
    "proposal_overdue": _system("mediation proposal overdue: no proposal by its due time"),
    "appeal_window_closed": _system("appeal window closed: decision final"),
    "decision_overdue": _system("arbitration decision overdue: no decision by its due time"),
}

_JOBS = Actor.system("jobs")


def _fire(session: Session, timer: Timer, now: datetime, step: str, *states: State) -> None:
    case = session.get(ResolutionCase, timer.target_id)
    if case is None or case.state not in states:
        return  # the proposal was made, the appeal lodged, or the case closed meanwhile
    state = State(case.state)
    conv = load_conversation(session, case.conversation_id)
    before = snapshot(case, *_FIELDS)
    transition = transition_for(state, step, Party(None, None))
    recorded = _EFFECTS[step](_Step(session, _JOBS, case, conv, {}, now, []))
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
