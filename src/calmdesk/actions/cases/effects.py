"""What each step on a P15 resolution case does besides moving its state: the text it records,
the timers it sets or cancels, the decision it tells the customer (`EFFECTS`, by step)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import Actor
from calmdesk.actions.timers import cancel_timers, schedule_timer
from calmdesk.actions.validate import clean_text
from calmdesk.analysis.cases import (
    PositionsMissing,
    UnknownOffer,
    check_mediator,
)
from calmdesk.domain import MalformedInput, NotFound, UnsupportedValue
from calmdesk.storage import AuthorRole, Conversation, Timer, TimerKind, Turn, User
from calmdesk.storage.cases import ResolutionCase, ResolutionStep

__all__ = [
    "APPEAL_DAYS",
    "DECISION_DAYS",
    "EFFECTS",
    "PROPOSAL_DAYS",
    "Effects",
    "Step",
    "decision_due",
    "tell_customer",
]

PROPOSAL_DAYS = 5
DECISION_DAYS = 5  # an arbitration (or an appeal) waiting longer for a decision is overdue
APPEAL_DAYS = 14
_TEXT_MAX = 4000
_ANSWERS = ("accepted", "declined", "countered")
_SIDES = ("customer", "company")


def decision_due(
    session: Session, case: ResolutionCase, now: datetime, timers: list[Timer | None], tag: str
) -> None:
    """An arbitration (or an appeal) is due a decision within DECISION_DAYS (a timer)."""
    cancel_timers(session, case.id, TimerKind.CASE_DECISION_DUE)
    case.decision_due_at = now + timedelta(days=DECISION_DAYS)
    timers.append(schedule_timer(session, TimerKind.CASE_DECISION_DUE, case.id,
                                 case.decision_due_at, tag))  # fmt: skip


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
class Step:
    """What a step's effect works on."""

    session: Session
    actor: Actor
    case: ResolutionCase
    conv: Conversation
    data: Mapping[str, Any]
    now: datetime
    timers: list[Timer | None]


Effects = dict[str, Any]


def _offer(s: Step) -> Effects:
    return {"text": _text(s.data, "text", "offer")}


def _answer(s: Step) -> Effects:
    offer_id = _id(s.data.get("offer_id"))
    offer = s.session.get(ResolutionStep, offer_id) if offer_id is not None else None
    if offer is None or offer.case_id != s.case.id or offer.step != "offer":
        raise UnknownOffer()
    answer = _choice(s.data, "answer", _ANSWERS, "answer")
    return {"offer_id": offer.id, "answer": answer, "text": _text(s.data, "text", "answer",
            required=False)}  # fmt: skip


def _plain(key: str, what: str, *, required: bool = True) -> Any:
    def effect(s: Step) -> Effects:
        return {key: _text(s.data, key, what, required=required)}

    return effect


def _ending(outcome: str) -> Any:
    def effect(s: Step) -> Effects:
        text = _text(s.data, "text", "outcome", required=False)
        s.case.outcome = f"{outcome}: {text}" if text else outcome
        return {"outcome": outcome, "text": text}

    return effect


def _escalate(s: Step) -> Effects:
    cancel_timers(s.session, s.case.id, TimerKind.CASE_PROPOSAL_DUE)
    if s.data.get("to") == "arbitration":
        decision_due(s.session, s.case, s.now, s.timers, "escalated")
    return {"to": str(s.data.get("to")), "reason": _text(s.data, "reason", "reason")}


def _assign(s: Step) -> Effects:
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


def _position(s: Step) -> Effects:
    return {
        "side": _choice(s.data, "side", _SIDES, "side"),
        "text": _text(s.data, "text", "position"),
    }


def _proposal(s: Step) -> Effects:
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


def _decide(s: Step) -> Effects:
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
    effects["notice_turn_id"] = tell_customer(s.session, s.actor, s.conv, notice, s.now).id
    return effects


def _appeal(s: Step) -> Effects:
    cancel_timers(s.session, s.case.id, TimerKind.CASE_APPEAL_CLOSES)
    decision_due(s.session, s.case, s.now, s.timers, "appeal")
    return {"reason": _text(s.data, "reason", "reason")}


def _system(note: str) -> Any:
    def effect(s: Step) -> Effects:
        if note.endswith("final"):
            s.case.outcome = f"final: {s.case.decision}"
        return {"note": note}

    return effect


def tell_customer(
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


EFFECTS: dict[str, Any] = {
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
