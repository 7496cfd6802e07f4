"""Search reads matches newest first in growing batches; on PostgreSQL it walks the newest rows
along the primary key, then the GIN index serves the older ones. With a tiny window and batch
both phases run here, and the results are the same as one pass would give, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import true

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.storage import search as search_module
from calmdesk.storage.records import Conversation
from calmdesk.storage.search import SearchFilters, search_conversations, words_of


@pytest.fixture
def cases(world) -> list[int]:
    """Twelve conversations, oldest first: every third mentions a refund, only the first a zebra."""
    made = []
    for i in range(12):
        conv = world.open(world.calm_customer)
        text = f"Case {i}: my parcel is late" + (" and I want a refund" if i % 3 == 0 else "")
        text += " about the zebra toy" if i == 0 else ""
        add_customer_turn(world.ctx, Actor.for_customer(conv.customer_id), conv.id, text)
        made.append(conv.id)
    return made


def _ids(world, query: str, limit: int = 20, scope=None) -> list[int]:
    f = SearchFilters(words=tuple(words_of(query)), limit=limit)
    with world.ctx.sessions() as session:
        return [c.id for c, _ in search_conversations(session, f, true() if scope is None
                                                       else scope)]  # fmt: skip


@pytest.mark.parametrize(("window", "first"), [(20_000, 100), (3, 1), (1, 2)])
def test_search_phases_agree_with_one_pass(world, cases, monkeypatch, window, first) -> None:
    monkeypatch.setattr(search_module, "_WINDOW", window)
    monkeypatch.setattr(search_module, "_FIRST", first)
    monkeypatch.setattr(search_module, "_BATCH", 4)
    newest_first = list(reversed(cases))
    assert _ids(world, "refund") == [c for c in newest_first if cases.index(c) % 3 == 0]
    assert _ids(world, "zebra") == [cases[0]]  # only in the oldest: found through the index
    assert _ids(world, "parcel late", limit=5) == newest_first[:5]
    assert _ids(world, "refund zebra") == [cases[0]]
    assert _ids(world, "nothing here") == []
    odd = Conversation.id.in_(cases[1::2])
    assert _ids(world, "parcel", scope=odd) == [c for c in newest_first if c in cases[1::2]]
