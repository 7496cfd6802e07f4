"""CSAT and the follow-up it can open (A3): after resolution the customer gets one question (1-5
and an optional comment); never a blocked customer, never twice; a low answer opens a follow-up
task for the team.

Delivery by channel: the chat gets a system turn with the question; email gets a mail with a
link to the answer page (`actions.csat_mail`, sent by `mail send-pending`); other channels go
through `CSAT_DELIVERY[channel]`. A channel with no delivery records the survey as asked
(`channel` says where) so it is still never sent twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.escalation import load_conversation
from calmdesk.actions.timers import notify_scheduler, schedule_timer
from calmdesk.actions.validate import clean_text
from calmdesk.domain import Conflict, InputError, NotFound, PermissionDenied
from calmdesk.storage import (
    AuthorRole,
    Conversation,
    ConversationStatus,
    CustomerStanding,
    FollowUp,
    Note,
    TimerKind,
    Turn,
)
from calmdesk.storage.qa import CsatSurvey

__all__ = [
    "CSAT_DELIVERY",
    "CSAT_QUESTION",
    "CsatAsked",
    "answer_csat",
    "ask_csat",
    "ask_pending_csat",
]

CSAT_QUESTION = (
    "Thank you for contacting us. How satisfied are you with how we handled this? "
    "Please rate it from 1 (not at all) to 5 (very), and add a comment if you like."
)
ASK_WITHIN = timedelta(days=7)
"""Conversations resolved longer ago than this are not asked any more."""

Delivery = Callable[[Session, Conversation, CsatSurvey, str], None]
CSAT_DELIVERY: dict[str, Delivery] = {}
"""Senders by channel beside the chat (e.g. `CSAT_DELIVERY["email"] = send_csat_mail`): called in
the asking transaction with the survey row and the question text."""


@dataclass(frozen=True, slots=True)
class CsatAsked:
    """The survey asked now, or None with the reason it was not (blocked, asked before, open)."""

    survey: CsatSurvey | None
    reason: str = ""


def _chat(session: Session, conversation: Conversation, survey: CsatSurvey, question: str) -> None:
    seq = session.scalar(select(func.max(Turn.seq)).where(Turn.conversation_id == conversation.id))
    turn = Turn(
        conversation_id=conversation.id, seq=(seq or 0) + 1, author_role=AuthorRole.SYSTEM,
        text=question, created_at=survey.asked_at,
    )  # fmt: skip
    session.add(turn)
    session.flush()
    survey.asked_turn_id = turn.id


def _ask(
    session: Session, ctx: ActionContext, actor: Actor, conversation: Conversation
) -> CsatAsked:
    if conversation.status not in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        return CsatAsked(None, "not resolved")
    if conversation.customer.standing is CustomerStanding.BLOCKED:
        return CsatAsked(None, "the customer is blocked")
    if session.scalar(select(CsatSurvey.id).where(CsatSurvey.conversation_id == conversation.id)):
        return CsatAsked(None, "already asked")
    channel = conversation.channel.value
    survey = CsatSurvey(
        conversation_id=conversation.id, customer_id=conversation.customer_id,
        channel=channel, asked_at=ctx.now(),
    )  # fmt: skip
    session.add(survey)
    session.flush()
    if channel == "email":
        from calmdesk.actions.csat_mail import queue_csat_mail

        queue_csat_mail(session, ctx, conversation, survey, CSAT_QUESTION)
    else:
        deliver = _chat if channel == "chat" else CSAT_DELIVERY.get(channel)
        if deliver is not None:
            deliver(session, conversation, survey, CSAT_QUESTION)
    write_audit(session, actor, "csat.asked", survey)
    return CsatAsked(survey)


def ask_csat(ctx: ActionContext, actor: Actor, conversation_id: int) -> CsatAsked:
    """Ask the one CSAT question of a resolved conversation (at most once, never when blocked)."""
    with ctx.sessions.begin() as session:
        return _ask(session, ctx, actor, load_conversation(session, conversation_id))


def ask_pending_csat(ctx: ActionContext, actor: Actor, limit: int = 500) -> int:
    """Ask every conversation resolved in the last week that has not been asked; returns how many
    were asked (the worker runs this)."""
    since = ctx.now() - ASK_WITHIN
    query = (
        select(Conversation.id)
        .outerjoin(CsatSurvey, CsatSurvey.conversation_id == Conversation.id)
        .where(
            CsatSurvey.id.is_(None),
            Conversation.status.in_((ConversationStatus.RESOLVED, ConversationStatus.CLOSED)),
            Conversation.resolved_at >= since,
        )
        .order_by(Conversation.id)
        .limit(limit)
    )
    with ctx.sessions() as session:
        ids = list(session.scalars(query))
    return sum(1 for cid in ids if ask_csat(ctx, actor, cid).survey is not None)


def _score(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InputError("The rating must be a whole number from 1 to 5.")
    return value


def _low(session: Session, ctx: ActionContext, actor: Actor, survey: CsatSurvey) -> FollowUp:
    follow = FollowUp(conversation_id=survey.conversation_id, due_at=ctx.now())
    session.add(follow)
    session.flush()
    survey.follow_up_id = follow.id
    said = f": {survey.comment}" if survey.comment else ""
    text = f"Low CSAT {survey.score}/5{said}. Follow up with the customer (A3)."
    session.add(Note(conversation_id=survey.conversation_id, text=text))
    write_audit(session, actor, "follow_up.scheduled", follow)
    return follow


def answer_csat(
    ctx: ActionContext, actor: Actor, conversation_id: int, score: object, comment: object = ""
) -> CsatSurvey:
    """Store the customer's answer (once); a score at or below the playbook's `qa.low_csat`
    opens a follow-up task due now."""
    from calmdesk.actions.qa import qa_playbook

    rating = _score(score)
    blank = comment is None or (isinstance(comment, str) and not comment.strip())
    text = "" if blank else clean_text(comment, "comment", 2000)
    timers = []
    with ctx.sessions.begin() as session:
        survey = session.scalars(
            select(CsatSurvey).where(CsatSurvey.conversation_id == conversation_id)
        ).first()
        if survey is None:
            raise NotFound("This conversation has no satisfaction question to answer.")
        if actor.customer_id is not None and actor.customer_id != survey.customer_id:
            raise PermissionDenied("Only the customer who was asked can answer.")
        if survey.answered_at is not None:
            raise Conflict("This question has already been answered; thank you.")
        survey.score, survey.comment, survey.answered_at = rating, text, ctx.now()
        if rating <= qa_playbook(ctx).qa.low_csat:
            follow = _low(session, ctx, actor, survey)
            timers.append(
                schedule_timer(session, TimerKind.FOLLOW_UP_DUE, follow.id, follow.due_at)
            )
        write_audit(session, actor, "csat.answered", survey)
    notify_scheduler(ctx, timers)
    return survey
