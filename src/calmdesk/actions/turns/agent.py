"""Sending an agent's reply: reviewed, stored with its review and signals, its promises and their
timers created, the response timers of the customer's turns cancelled, the rules applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.desk_overrides import playbook_for, rules_for
from calmdesk.actions.escalation import apply_firings, load_conversation
from calmdesk.actions.facts import agent_facts
from calmdesk.actions.playbook_scope import using_playbook
from calmdesk.actions.privacy import personal_text
from calmdesk.actions.promises import create_commitments
from calmdesk.actions.rules import evaluate
from calmdesk.actions.sla import sla_on_agent_reply
from calmdesk.actions.timers import cancel_timers, notify_scheduler
from calmdesk.actions.turns.fresh import FRESH_TRIES, PreReview, Stale, pre_review
from calmdesk.actions.turns.posted import PostedTurn, check_key, posted, replayed, retry, scoped_key
from calmdesk.actions.turns.stored import StoredTurn, to_domain, turn_rows
from calmdesk.actions.validate import clean_text
from calmdesk.domain import (
    Conflict,
    PermissionDenied,
    to_jsonable,
)
from calmdesk.storage import (
    AuthorRole,
    Conversation,
    ConversationStatus,
    TimerKind,
    Turn,
    User,
)


def send_agent_reply(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    text: str,
    *,
    idempotency_key: str | None = None,
) -> PostedTurn:
    """Store an agent's reply with its review; create its promises and their timers; apply rules.

    The review (the slow part) is made before the write transaction, on the stored conversation;
    if a turn was stored meanwhile it is made again, as for a customer turn."""
    raw = clean_text(text, "reply", ctx.settings.max_text_chars)
    key = scoped_key(actor, check_key(idempotency_key))
    if not actor.is_staff and not actor.label.startswith("system:"):
        raise PermissionDenied("Only staff can send agent replies.")
    actor.require_desk_role()
    for attempt in range(FRESH_TRIES):
        pre = pre_review(ctx, conversation_id, raw, key)
        last = attempt == FRESH_TRIES - 1
        try:
            return _post(ctx, conversation_id, key, _reply_writer(ctx, actor, raw, key, pre, last))
        except Stale:
            continue
    raise AssertionError("unreachable: the last attempt reviews inside")  # pragma: no cover


_Writer = Callable[[Session, Conversation, list["StoredTurn"]], PostedTurn]


def _reply_writer(
    ctx: ActionContext,
    actor: Actor,
    raw: str,
    key: str | None,
    pre: PreReview | None,
    inside_ok: bool,
) -> _Writer:
    def write(session: Session, conversation: Conversation, turns: list[StoredTurn]) -> PostedTurn:
        if conversation.status is ConversationStatus.CLOSED:
            raise Conflict("This conversation is closed; open a new one to reply.")
        body = personal_text(session, ctx.settings, conversation.team_id, raw)
        fresh = pre is not None and pre.turn_ids == tuple(t.id for t in turns) and pre.body == body
        if not fresh and not inside_ok:
            raise Stale
        if fresh and pre is not None:
            now, review = pre.at, pre.review
        else:
            now = ctx.now()
            with using_playbook(playbook_for(session, ctx.settings, conversation.team_id)):
                review = ctx.analysis.review(to_domain(conversation.id, turns), body, now)
        turn = _new_turn(
            session, ctx, conversation, turns, AuthorRole.AGENT, body, key, actor.user_id, at=now,
            flush=False,
        )  # fmt: skip
        turn.review = to_jsonable(review)
        turn.signals = {
            k: round(getattr(review, k), 4)
            for k in (
                "empathy",
                "apology",
                "politeness",
                "asks_question",
                "offers_solution",
                "reflection",
                "blame",
            )
        }
        session.flush()  # one INSERT with the review and signals
        promises, timers = create_commitments(
            session, ctx, conversation, turn.id, review.commitments, actor.user_id
        )
        _after_reply(session, conversation, turns, actor, now)
        sla_on_agent_reply(session, ctx, conversation, now)
        author = session.get(User, actor.user_id) if actor.user_id else None
        facts = agent_facts(conversation, author, review, body, now)
        recorded = apply_firings(
            session,
            actor,
            conversation,
            evaluate(rules_for(session, ctx, conversation.team_id), "agent_reply", facts),
            turn.id,
        )
        write_audit(session, actor, "turn.agent_sent", turn, None, _turn_audit(turn))
        return posted(turn, recorded, promises, timers)

    return write


def _post(ctx: ActionContext, conversation_id: int, key: str | None, write: _Writer) -> PostedTurn:
    try:
        with ctx.sessions.begin() as session:
            conversation = load_conversation(session, conversation_id)
            turns = turn_rows(session, conversation_id)
            stored = retry(turns, key)
            if stored is not None:  # the whole turn, to answer with
                existing = session.get(Turn, stored.id)
                assert existing is not None
                return PostedTurn(turn=existing, created=False)
            posted = write(session, conversation, turns)
    except IntegrityError as err:
        return replayed(ctx, conversation_id, key, err)
    notify_scheduler(ctx, posted.timers)
    return posted


def _new_turn(
    session: Session,
    ctx: ActionContext,
    conversation: Conversation,
    turns: list[StoredTurn],
    role: AuthorRole,
    text: str,
    key: str | None,
    user_id: int | None,
    *,
    at: datetime | None = None,
    flush: bool = True,
) -> Turn:
    """A new turn after `turns`; flushed (its id known) unless `flush` is False, for a caller that
    sets its analysis first and flushes once."""
    now = at or ctx.now()
    seq = (max((t.seq for t in turns), default=0)) + 1
    turn = Turn(
        conversation_id=conversation.id,
        seq=seq,
        author_role=role,
        text=text,
        idempotency_key=key,
        author_user_id=user_id,
        created_at=now,
    )
    session.add(turn)
    if flush:
        session.flush()
    conversation.updated_at = now
    return turn


def _after_reply(
    session: Session, conversation: Conversation, turns: list[StoredTurn], actor: Actor, now: Any
) -> None:
    for turn in turns:
        if turn.author_role is AuthorRole.CUSTOMER:
            cancel_timers(session, turn.id, TimerKind.RESPONSE_DUE)
    conversation.last_agent_at = now
    if conversation.assignee_id is None and actor.user_id is not None:
        conversation.assignee_id = actor.user_id
    if conversation.status is ConversationStatus.OPEN:
        conversation.status = ConversationStatus.PENDING


def _turn_audit(turn: Turn) -> dict[str, Any] | None:
    return snapshot(turn, "conversation_id", "seq", "author_role", "author_user_id", "text")
