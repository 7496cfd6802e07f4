"""What a post reads of the stored turns: the analysis's view of them (`to_domain`), and the
columns the write transactions read, as rows rather than turn objects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, cast

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from calmdesk.domain import Conversation as DomainConversation
from calmdesk.domain import (
    Role,
)
from calmdesk.domain import Turn as DomainTurn
from calmdesk.storage import (
    AuthorRole,
    Turn,
)

_ROLES = {
    AuthorRole.CUSTOMER: Role.CUSTOMER,
    AuthorRole.AGENT: Role.AGENT,
    AuthorRole.BOT: Role.BOT,
}


class TurnText(Protocol):
    """What the analysis reads of a stored turn (a `Turn`, or a row of these columns)."""

    @property
    def author_role(self) -> AuthorRole: ...
    @property
    def text(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class TurnKey(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def idempotency_key(self) -> str | None: ...


class StoredTurn(TurnText, TurnKey, Protocol):
    pass


def to_domain(conversation_id: int, turns: Sequence[TurnText]) -> DomainConversation:
    """The stored turns as the analysis sees them (system notices left out)."""
    return DomainConversation(
        id=str(conversation_id),
        turns=tuple(
            DomainTurn(role=_ROLES[t.author_role], text=t.text, at=t.created_at)
            for t in turns
            if t.author_role in _ROLES
        ),
    )


_TURN_ROWS = (
    select(Turn.id, Turn.seq, Turn.author_role, Turn.text, Turn.created_at, Turn.idempotency_key)
    .where(Turn.conversation_id == bindparam("conversation_id"))
    .order_by(Turn.seq)
)


def turn_rows(session: Session, conversation_id: int) -> list[StoredTurn]:
    """The columns of the stored turns that a post reads (no turn objects with their signals and
    review parsed from JSON): rows with those attributes of a `Turn`."""
    rows = session.connection().execute(_TURN_ROWS, {"conversation_id": conversation_id}).all()
    return cast(list[StoredTurn], rows)


_TURN_KEYS = (
    select(Turn.id, Turn.seq, Turn.idempotency_key)
    .where(Turn.conversation_id == bindparam("conversation_id"))
    .order_by(Turn.seq)
)


def turn_keys(session: Session, conversation_id: int) -> list[TurnKey]:
    """What the write transaction of a customer turn reads of the stored turns: their ids (the
    freshness check), seq (the next one) and keys (the retry check), not their texts."""
    rows = session.connection().execute(_TURN_KEYS, {"conversation_id": conversation_id}).all()
    return cast(list[TurnKey], rows)
