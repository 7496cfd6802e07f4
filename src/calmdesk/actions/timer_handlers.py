"""What each timer does when it fires; each runs inside the claim's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.cases import fire_appeal_window, fire_decision_due, fire_proposal_due
from calmdesk.actions.context import Actor
from calmdesk.actions.escalation import escalate_in_session, load_conversation
from calmdesk.actions.timers import Handler
from calmdesk.storage import (
    AuthorRole,
    Commitment,
    CommitmentStatus,
    ConversationStatus,
    FollowUp,
    Priority,
    RuleFiring,
    Timer,
    TimerKind,
    Turn,
)

__all__ = ["HANDLERS", "JOBS_ACTOR"]

JOBS_ACTOR = Actor.system("jobs")
_QUIET = (ConversationStatus.RESOLVED, ConversationStatus.CLOSED, ConversationStatus.ESCALATED)


def _remind(session: Session, timer: Timer, now: datetime) -> None:
    promise = session.get(Commitment, timer.target_id)
    if promise is None or promise.status is not CommitmentStatus.OPEN:
        return
    promise.reminded_at = now
    write_audit(
        session,
        JOBS_ACTOR,
        "commitment.reminder_due",
        promise,
        None,
        snapshot(promise, "action", "due_at", "owner_user_id", "reminded_at"),
    )


def _overdue(session: Session, timer: Timer, now: datetime) -> None:
    promise = session.get(Commitment, timer.target_id)
    if promise is None or promise.status is not CommitmentStatus.OPEN:
        return
    before = snapshot(promise, "status")
    promise.status, promise.broken_at = CommitmentStatus.BROKEN, now
    write_audit(
        session,
        JOBS_ACTOR,
        "commitment.broken",
        promise,
        before,
        snapshot(promise, "status", "broken_at"),
    )
    conversation = load_conversation(session, promise.conversation_id)
    reason = f"A promise is overdue: {promise.action}"
    firing = RuleFiring(conversation_id=conversation.id, rule="promise_overdue", reason=reason)
    if conversation.status not in _QUIET:
        escalation = escalate_in_session(
            session, JOBS_ACTOR, conversation, reason, rule="promise_overdue"
        )
        session.flush()
        firing.escalation_id = escalation.id
    session.add(firing)


def _follow_up(session: Session, timer: Timer, now: datetime) -> None:
    follow_up = session.get(FollowUp, timer.target_id)
    if follow_up is None or follow_up.done:
        return
    follow_up.flagged_at = now
    write_audit(
        session,
        JOBS_ACTOR,
        "follow_up.due",
        follow_up,
        None,
        snapshot(follow_up, "conversation_id", "due_at", "flagged_at"),
    )


def _response(session: Session, timer: Timer, now: datetime) -> None:
    turn = session.get(Turn, timer.target_id)
    if turn is None:
        return
    later_reply = session.scalars(
        select(Turn.id)
        .where(Turn.conversation_id == turn.conversation_id)
        .where(Turn.seq > turn.seq, Turn.author_role.in_([AuthorRole.AGENT, AuthorRole.BOT]))
    ).first()
    conversation = load_conversation(session, turn.conversation_id)
    done = (ConversationStatus.RESOLVED, ConversationStatus.CLOSED)
    if later_reply is not None or conversation.status in done:
        return
    before = snapshot(conversation, "priority", "meta")
    breaches = int(conversation.meta.get("response_breaches", 0)) + 1
    conversation.meta = {**conversation.meta, "response_breaches": breaches}
    if conversation.priority in (Priority.LOW, Priority.NORMAL):
        conversation.priority = Priority.HIGH
    write_audit(
        session,
        JOBS_ACTOR,
        "conversation.response_overdue",
        conversation,
        before,
        snapshot(conversation, "priority", "meta"),
    )


HANDLERS: dict[TimerKind, Handler] = {
    TimerKind.COMMITMENT_REMINDER: _remind,
    TimerKind.COMMITMENT_OVERDUE: _overdue,
    TimerKind.FOLLOW_UP_DUE: _follow_up,
    TimerKind.RESPONSE_DUE: _response,
    TimerKind.CASE_PROPOSAL_DUE: fire_proposal_due,
    TimerKind.CASE_APPEAL_CLOSES: fire_appeal_window,
    TimerKind.CASE_DECISION_DUE: fire_decision_due,
}
