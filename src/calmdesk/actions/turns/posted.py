"""A posted turn and its idempotency key: the key is scoped to its author, and a retry (or the
loser of two racing posts of one key) is answered with the turn already stored."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.turns.stored import TurnKey
from calmdesk.domain import (
    MalformedInput,
)
from calmdesk.storage import (
    Commitment,
    RuleFiring,
    Timer,
    Turn,
)


@dataclass
class PostedTurn:
    """The stored turn; `created` is False when an idempotent retry found it already stored."""

    turn: Turn
    created: bool
    firings: list[RuleFiring] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    timers: list[Timer | None] = field(default_factory=list, repr=False)


_KEY_MAX = 200


_SCOPE = re.compile(r"c|s|u\d+")


def scoped_key(actor: Actor, key: str | None) -> str | None:
    """The stored form of an idempotency key: scoped to its author, so one author's key can never
    match (and swallow) another author's message. `client_key` gives the client's key back."""
    if key is None:
        return None
    if actor.customer_id is not None:
        scope = "c"
    elif actor.user_id is not None:
        scope = f"u{actor.user_id}"
    else:
        scope = "s"
    stored = f"{scope}:{key}"
    if len(stored) > _KEY_MAX:
        stored = f"{scope}#{hashlib.sha256(key.encode()).hexdigest()}"
    return stored


def client_key(stored: str | None) -> str | None:
    """The key the client sent, from its stored, author-scoped form (None when hashed)."""
    if stored is None:
        return None
    scope, sep, key = stored.partition(":")
    if sep and _SCOPE.fullmatch(scope):
        return key
    return None if "#" in stored else stored


def check_key(key: object) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > _KEY_MAX:
        raise MalformedInput(f"The idempotency key must be 1 to {_KEY_MAX} characters of text.")
    return key.strip()


_K = TypeVar("_K", bound=TurnKey)


def retry(turns: Sequence[_K], key: str | None) -> _K | None:
    """The turn stored under `key` among a conversation's turns (keys are per conversation)."""
    if key is None:
        return None
    return next((t for t in turns if t.idempotency_key == key), None)


def _existing(session: Session, conversation_id: int, key: str | None) -> Turn | None:
    if key is None:
        return None
    return session.scalars(
        select(Turn).where(Turn.conversation_id == conversation_id, Turn.idempotency_key == key)
    ).first()


def replayed(
    ctx: ActionContext, conversation_id: int, key: str | None, err: IntegrityError
) -> PostedTurn:
    """After a unique key refused the INSERT (two posts of one key raced): the turn the other
    stored, or `err` again when there is none."""
    if key is None:
        raise err
    with ctx.sessions() as session:
        existing = _existing(session, conversation_id, key)
    if existing is None:
        raise err
    return PostedTurn(turn=existing, created=False)


def posted(
    turn: Turn, firings: list[RuleFiring], promises: list[Commitment], timers: list[Timer | None]
) -> PostedTurn:
    return PostedTurn(turn, True, firings, promises, timers)
