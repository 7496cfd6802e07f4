"""The analysis (or review) of a post, made before its write transaction on what is stored then.

On SQLite the write transaction holds the database's write lock, so the slow part runs outside
it; the transaction checks the turns have not changed meanwhile (`Stale` otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from calmdesk.actions.context import ActionContext
from calmdesk.actions.desk_overrides import playbook_for
from calmdesk.actions.playbook_scope import using_playbook
from calmdesk.actions.privacy import redacted
from calmdesk.actions.turns.stored import StoredTurn, to_domain, turn_rows
from calmdesk.analysis.reply import Playbook
from calmdesk.domain import Conversation as DomainConversation
from calmdesk.domain import (
    ConversationAnalysis,
    ModelUnavailable,
    Review,
    Role,
)
from calmdesk.domain import Turn as DomainTurn
from calmdesk.storage import (
    Conversation,
)
from calmdesk.storage.trust import TeamPolicy

FRESH_TRIES = 3
"""Analyses (or reviews) made outside the write transaction before one is made inside."""


class Stale(Exception):
    """A turn was stored between the analysis and the write transaction: analyse again."""


@dataclass(frozen=True)
class PreAnalysis:
    """The analysis of the conversation with the new turn, made before the write transaction."""

    turn_ids: tuple[int, ...]
    body: str
    at: datetime
    analysis: ConversationAnalysis | ModelUnavailable


@dataclass(frozen=True)
class PreReview:
    """The review of a reply on the stored conversation, made before the write transaction."""

    turn_ids: tuple[int, ...]
    body: str
    at: datetime
    review: Review


_TEAM = (
    select(Conversation.team_id, TeamPolicy.mask_contacts)
    .outerjoin(TeamPolicy, TeamPolicy.team_id == Conversation.team_id)
    .where(Conversation.id == bindparam("conversation_id"))
)  # only its team and the team's privacy policy: not the customer, assignee and team objects


def _stored(
    ctx: ActionContext, conversation_id: int, raw: str, key: str | None, *, playbook: bool
) -> tuple[list[StoredTurn], str, Playbook | None] | None:
    """The stored turns, the text as it will be stored and (with `playbook`) the team's saved
    playbook (None: the file's); None when not found or a retry."""
    with ctx.sessions() as session:
        found = session.connection().execute(_TEAM, {"conversation_id": conversation_id}).first()
        if found is None:
            session.commit()
            return None  # not found: the write path answers
        team_id, mask = found
        turns = turn_rows(session, conversation_id)
        if key is not None and any(t.idempotency_key == key for t in turns):
            session.commit()
            return None  # a retry: the write path answers without analysing
        body = redacted(ctx.settings, team_id, mask, raw)
        book = playbook_for(session, ctx.settings, team_id) if playbook else None
        session.commit()
    return turns, body, book


def pre_analyse(
    ctx: ActionContext, conversation_id: int, raw: str, key: str | None
) -> PreAnalysis | None:
    stored = _stored(ctx, conversation_id, raw, key, playbook=False)
    if stored is None:
        return None
    turns, body, _ = stored
    at = ctx.now()
    history = to_domain(conversation_id, turns)
    domain = DomainConversation(
        id=history.id, turns=(*history.turns, DomainTurn(role=Role.CUSTOMER, text=body, at=at))
    )
    try:
        analysis: ConversationAnalysis | ModelUnavailable = ctx.analysis.analyze(domain)
    except ModelUnavailable as exc:
        analysis = exc
    return PreAnalysis(tuple(t.id for t in turns), body, at, analysis)


def pre_review(
    ctx: ActionContext, conversation_id: int, raw: str, key: str | None
) -> PreReview | None:
    stored = _stored(ctx, conversation_id, raw, key, playbook=True)
    if stored is None:
        return None
    turns, body, book = stored
    at = ctx.now()
    with using_playbook(book):
        review = ctx.analysis.review(to_domain(conversation_id, turns), body, at)
    return PreReview(tuple(t.id for t in turns), body, at, review)
