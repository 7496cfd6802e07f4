"""Search as people use it: words, customer, status, tag and dates, within what they may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from calmdesk.domain.errors import SearchQueryEmpty
from calmdesk.storage.enums import ConversationStatus
from calmdesk.storage.search import SearchFilters, search_conversations, search_customers, words_of
from calmdesk.web.access import conversation_scope, customer_scope
from calmdesk.web.console.desk_view import tags_of
from calmdesk.web.deps import StaffPrincipal
from calmdesk.web.desk_schemas import SearchHit

__all__ = ["run_search"]


def run_search(
    session: Session,
    user: StaffPrincipal,
    q: str = "",
    *,
    customer_id: int | None = None,
    status: ConversationStatus | None = None,
    tag: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Customers whose name or email match first, then matching conversations, newest first."""
    words = tuple(words_of(q))
    if not words and customer_id is None and status is None and not tag and not since and not until:
        raise SearchQueryEmpty()
    filters = SearchFilters(words, customer_id, status, (tag or "").strip().lower() or None,
                            since, until, limit)  # fmt: skip
    hits: list[SearchHit] = []
    if words and customer_id is None and status is None and not tag:
        for k in search_customers(session, words, customer_scope(user), limit=5):
            hits.append(SearchHit(kind="customer", id=k.id, title=k.name, snippet=k.email or ""))
    found = search_conversations(session, filters, conversation_scope(user))
    tags = tags_of(session, [c.id for c, _ in found])
    for c, snippet in found:
        hits.append(
            SearchHit(
                kind="conversation", id=c.id,
                title=f"{c.customer.name}: {c.subject or '(no subject)'}",
                snippet=snippet, customer_id=c.customer_id, status=c.status,
                opened_at=c.opened_at, tags=tags.get(c.id, []),
            )
        )  # fmt: skip
    session.commit()
    return hits
