"""What one posted customer turn asks of the database: each thing read once, the turn written once.

Under load every statement of a post is paid 100 times a second (issue 9), so the shape is pinned:
the conversation's turns are read once before the write transaction and once inside it (the
retry check is made on them, not by another query), the turn is inserted with its analysis (no
UPDATE after the INSERT), and what a customer turn does not use is not read: the saved playbook
(replies only), the firing history when no rule fired, the SLA policies when nothing falls due.
The case is read once in each (inside with its customer, privacy policy and SLA clock, one
SELECT), the team's privacy policy with it; a post is 9 statements in all (13 when the write
went through the ORM's unit of work)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event
from tests.factories import World

from calmdesk.actions import Actor, add_customer_turn


@pytest.fixture
def statements(world: World) -> Iterator[list[str]]:
    seen: list[str] = []
    engine: Engine = world.ctx.sessions.kw["bind"]

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def _reads(statements: list[str], table: str) -> int:
    return sum(
        1 for s in statements if s.startswith("SELECT") and re.search(rf"\bFROM {table}\b", s)
    )


def test_a_customer_turn_reads_each_thing_once_and_writes_the_turn_once(
    world: World, statements: list[str]
) -> None:
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    add_customer_turn(world.ctx, customer, conv.id, "Hello, my parcel 1042 is late.")
    statements.clear()
    posted = add_customer_turn(
        world.ctx, customer, conv.id, "Any news on it?", idempotency_key="news-1"
    )
    assert posted.created and posted.turn.signals is not None
    assert _reads(statements, "turns") == 2  # before the write transaction and inside it
    assert sum(s.startswith("INSERT INTO turns") for s in statements) == 1
    assert not [s for s in statements if s.startswith("UPDATE turns")]  # signals in the INSERT
    assert _reads(statements, "desk_overrides") == 1  # the rules; no playbook for a customer
    assert _reads(statements, "rule_firings") == 0  # nothing fired
    assert _reads(statements, "sla_policies") == 0  # nothing new falls due
    assert _reads(statements, "conversations") == 2  # its team before; the case row inside
    assert _reads(statements, "team_policies") == 0  # joined to those two reads
    assert _reads(statements, "conversation_slas") == 0  # joined to the case row
    sql = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    assert len(sql) == 9, sql  # 2 reads before; 3 reads, 3 INSERTs and 1 UPDATE inside
    statements.clear()
    again = add_customer_turn(
        world.ctx, customer, conv.id, "Any news on it?", idempotency_key="news-1"
    )
    assert not again.created and again.turn.id == posted.turn.id  # the retry found it
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE"))]
