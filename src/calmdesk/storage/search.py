"""Full-text search over conversations and customers, one interface on SQLite and PostgreSQL.

Words are matched as whole-word prefixes ("refund" finds "refunded"), every word must appear:
in one message of the conversation, its subject, or the customer's name or email. SQLite answers
from FTS5 tables, PostgreSQL from GIN-indexed `to_tsvector('simple', ...)` (migration 0004); the
query is built from word characters only and always passed as a bound parameter.

The caller passes the visibility clause (`scope`), so search never shows what a person may not
see. Results are newest first on both databases, so they agree row for row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, literal_column, select, text
from sqlalchemy.orm import Session

from calmdesk.storage.desk import ConversationTag
from calmdesk.storage.enums import ConversationStatus
from calmdesk.storage.people import Customer
from calmdesk.storage.records import Conversation, Turn
from calmdesk.storage.search_schema import PG_VECTORS

__all__ = ["MAX_WORDS", "SearchFilters", "search_conversations", "search_customers", "words_of"]

MAX_WORDS = 8
_FIRST = 100  # the first batch of matches read newest first; each next one is 4x larger...
_BATCH = 400  # ...up to this
_WINDOW = 20_000  # PostgreSQL: the newest rows walked along the primary key before the GIN index
_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(query: str) -> list[str]:
    """The words of a query (lower case, at most MAX_WORDS, each at most 40 characters)."""
    return [w.lower()[:40] for w in _WORD.findall(query or "")][:MAX_WORDS]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    words: tuple[str, ...] = ()
    customer_id: int | None = None
    status: ConversationStatus | None = None
    tag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _fts5(words: Sequence[str]) -> str:
    return " ".join(f'"{w}"*' for w in words)


def _tsquery(words: Sequence[str]) -> str:
    return " & ".join(f"{w}:*" for w in words)


_IDS: dict[str, Any] = {
    "turns": Turn.id,
    "conversations": Conversation.id,
    "customers": Customer.id,
}


def _matching_ids(
    session: Session, table: str, words: Sequence[str], *, before: int | None = None,
    limit: int | None = None, floor: Any = None, walk: bool = False,
) -> Any:  # fmt: skip
    """A subquery of the ids in `table` whose indexed text holds every word (newest first, at
    most `limit`, below `before` when given).

    PostgreSQL, `walk`: the ids above `floor` (an SQL expression) newest first along the primary
    key, matching each row's stored vector (`ts_match_vq`, which the GIN index cannot serve), so
    a common word stops after a few hundred rows. Otherwise (up to `floor`, when given) the GIN
    index finds the matches (cheap for rare words, whose lists are short), in a materialised CTE
    so the planner cannot swap it for that walk over the whole table, and only the matches are
    sorted."""
    if _is_pg(session):
        vector: Any = literal_column(PG_VECTORS[table])
        query = func.to_tsquery("simple", _tsquery(words))
        column: Any = _IDS[table]
        if walk:
            stmt = select(column).where(column > floor, func.ts_match_vq(vector, query))
        else:
            # id bounds and the caller's filters outside the CTE: inside, they invite the walk
            matched = select(column).where(vector.op("@@")(query))
            found = matched.cte(f"{table}_hits").prefix_with("MATERIALIZED")
            hits = select(found.c.id)
            if floor is not None:
                hits = hits.where(found.c.id <= floor)
            if before is not None:
                hits = hits.where(found.c.id < before)
            return hits if limit is None else hits.order_by(found.c.id.desc()).limit(limit)
    else:
        fts = f"search_{table}"
        column = literal_column("rowid")
        stmt = (
            select(column)
            .select_from(text(fts))
            .where(literal_column(fts).op("MATCH")(_fts5(words)))
        )
    if before is not None:
        stmt = stmt.where(column < before)
    if limit is not None:
        stmt = stmt.order_by(column.desc()).limit(limit)
    return stmt


def _filters(f: SearchFilters, scope: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    where = [scope]
    if f.customer_id is not None:
        where.append(Conversation.customer_id == f.customer_id)
    if f.status is not None:
        where.append(Conversation.status == f.status)
    if f.tag:
        tagged = select(ConversationTag.conversation_id).where(ConversationTag.tag == f.tag)
        where.append(Conversation.id.in_(tagged))
    if f.since is not None:
        where.append(Conversation.opened_at >= f.since)
    if f.until is not None:
        where.append(Conversation.opened_at < f.until)
    return where


def _newest_hits(
    session: Session, table: str, words: Sequence[str], to_conversation: Any,
    where: list[ColumnElement[bool]], want: int,
) -> list[int]:  # fmt: skip
    """Conversations (allowed by `where`) of the newest matching rows of `table`, newest first.

    Reads the matches newest first in growing batches and stops once `want` conversations are
    found, so a common word costs a batch or two instead of every match (FTS5 yields rowids in
    order; on PostgreSQL the newest `_WINDOW` rows are walked first, then the GIN index serves
    the older ones, see `_matching_ids`)."""
    found: list[int] = []
    before: int | None = None
    size = _FIRST
    floor = _walk_floor(session, table)
    walk = floor is not None
    while len(found) < want:
        batch = _matching_ids(
            session, table, words, before=before, limit=size, floor=floor, walk=walk
        )
        rows = session.execute(to_conversation(batch)).all()
        ordered = list(dict.fromkeys(int(cid) for _, cid in rows if int(cid) not in found))
        if ordered:
            allowed = set(
                session.scalars(select(Conversation.id).where(Conversation.id.in_(ordered), *where))
            )
            found += [cid for cid in ordered if cid in allowed]
        if rows:
            before = min(int(rid) for rid, _ in rows)
        if len(rows) < size:  # this range has no more matches
            if not walk:
                break
            before, walk = None, False  # the older rows (up to `floor`): through the GIN index
            continue
        size = min(size * 4, _BATCH)
    return found[:want]


def _walk_floor(session: Session, table: str) -> Any:
    """PostgreSQL: the id up to which matches come from the GIN index, as a subquery evaluated
    with the batch (None: SQLite, and tables that do not store their vector)."""
    if not _is_pg(session) or table != "turns":
        return None
    return select(func.coalesce(func.max(_IDS[table]), 0) - _WINDOW).scalar_subquery()


def _candidates(session: Session, f: SearchFilters, where: list[ColumnElement[bool]]) -> list[int]:
    by_turn = _newest_hits(
        session, "turns", f.words,
        lambda ids: select(Turn.id, Turn.conversation_id).where(Turn.id.in_(ids))
        .order_by(Turn.id.desc()),
        where, f.limit,
    )  # fmt: skip
    by_subject = _newest_hits(
        session, "conversations", f.words,
        lambda ids: select(Conversation.id, Conversation.id).where(Conversation.id.in_(ids))
        .order_by(Conversation.id.desc()),
        where, f.limit,
    )  # fmt: skip
    people = list(session.scalars(_matching_ids(session, "customers", f.words, limit=_BATCH)))
    by_customer = (
        session.scalars(
            select(Conversation.id)
            .where(Conversation.customer_id.in_(people), *where)
            .order_by(Conversation.id.desc())
            .limit(f.limit)
        ).all()
        if people  # the planner would walk every conversation to find none
        else []
    )
    return list(dict.fromkeys([*by_turn, *by_subject, *by_customer]))


def _conversation_query(
    session: Session, f: SearchFilters, scope: ColumnElement[bool]
) -> Select[Any]:
    where = _filters(f, scope)
    if f.words:
        found = _candidates(session, f, where)
        # none found: a false condition the planner folds (an empty IN list it cannot, and walks
        # the whole updated_at index to prove it)
        where.append(Conversation.id.in_(found) if found else false())
    return select(Conversation).where(*where)


def search_conversations(
    session: Session, f: SearchFilters, scope: ColumnElement[bool]
) -> list[tuple[Conversation, str]]:
    """Matching conversations `scope` allows, newest first, each with a matching message."""
    stmt = _conversation_query(session, f, scope)
    stmt = stmt.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(f.limit)
    found = list(session.scalars(stmt).unique().all())
    snippets: dict[int, str] = {}
    if f.words and found:  # the newest message of each holding a word (a page's few turns)
        rows = session.execute(  # sorted here: ORDER BY id would walk the primary key instead
            select(Turn.id, Turn.conversation_id, Turn.text).where(
                Turn.conversation_id.in_([c.id for c in found])
            )
        ).all()
        for _, conversation_id, body in sorted(rows, key=lambda r: -int(r[0])):
            if int(conversation_id) not in snippets and _holds(str(body), f.words):
                snippets[int(conversation_id)] = _snippet(str(body), f.words)
    return [(c, snippets.get(c.id, c.subject)) for c in found]


def search_customers(
    session: Session, words: Sequence[str], scope: ColumnElement[bool], limit: int = 20
) -> list[Customer]:
    """Customers `scope` allows whose name or email holds every word."""
    if not words:
        return []
    stmt = (
        select(Customer)
        .where(scope, Customer.id.in_(_matching_ids(session, "customers", words)))
        .order_by(Customer.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt).all())


def _holds(body: str, words: Sequence[str]) -> bool:
    found = {w.lower() for w in _WORD.findall(body)}
    return any(any(t.startswith(w) for t in found) for w in words)


def _snippet(body: str, words: Sequence[str], width: int = 160) -> str:
    low = body.lower()
    hits = [i for i in (low.find(w) for w in words) if i >= 0]
    start = max(0, min(hits, default=0) - 40)
    piece = body[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(body) else "")
