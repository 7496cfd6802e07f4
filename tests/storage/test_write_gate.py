"""The SQLite write gate: writers in one process queue for the file's lock instead of failing.

SQLite's busy timeout is cut to 1 ms here, so any writer that reached SQLite's lock while another
held it would fail with "database is locked" at once; with the gate, writers of one process queue
in front of SQLite and never meet its lock (the busy timeout is left for other processes)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.factories import World, build_world

from calmdesk.actions import Actor, add_customer_turn, send_agent_reply
from calmdesk.domain.errors import WritesBacklogged
from calmdesk.storage import Turn, make_engine, make_session_factory
from calmdesk.storage import engine as engine_module
from calmdesk.storage.engine import SessionFactory, write_gate

WRITERS = 16
EACH = 6


@pytest.fixture
def impatient_sqlite(
    sqlite_dir: Path, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A migrated SQLite file whose connections give up on a held lock after 1 ms."""
    pragmas = tuple(
        "PRAGMA busy_timeout=1" if p.startswith("PRAGMA busy_timeout") else p
        for p in engine_module._SQLITE_PRAGMAS
    )
    monkeypatch.setattr(engine_module, "_SQLITE_PRAGMAS", pragmas)
    monkeypatch.setattr("calmdesk.actions.passwords._N", 2**8)
    target = sqlite_dir / f"{tmp_path.name}-gate.db"
    shutil.copyfile(sqlite_template, target)
    yield f"sqlite:///{target}"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def _world(url: str, wait_s: float = 30.0) -> tuple[World, SessionFactory]:
    sessions = make_session_factory(make_engine(url, write_wait_s=wait_s))
    return build_world(sessions), sessions


def test_concurrent_writers_queue_and_every_acknowledged_turn_is_stored(
    impatient_sqlite: str,
) -> None:
    world, sessions = _world(impatient_sqlite)
    convs = [world.open(world.calm_customer) for _ in range(4)]
    customer = Actor.for_customer(world.calm_customer.id)
    agent = world.actor(world.agent)
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> list[int]:
        start.wait()
        stored = []
        for i in range(EACH):
            conv = convs[(n + i) % len(convs)]
            if i % 3 == 2:  # replies too: reviewed, promises recorded
                posted = send_agent_reply(world.ctx, agent, conv.id, f"Thanks, {n}-{i}, on it.")
            else:
                posted = add_customer_turn(
                    world.ctx, customer, conv.id, f"Where is order {n}-{i}?",
                    idempotency_key=f"w{n}-{i}",
                )  # fmt: skip
            assert posted.created
            stored.append(posted.turn.id)
        return stored

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        acknowledged = [tid for ids in pool.map(writer, range(WRITERS)) for tid in ids]
    assert len(acknowledged) == WRITERS * EACH
    with sessions() as session:
        found = set(session.scalars(select(Turn.id).where(Turn.id.in_(acknowledged))))
        per_conv = session.execute(
            select(Turn.conversation_id, func.count(), func.max(Turn.seq)).group_by(
                Turn.conversation_id
            )
        ).all()
    assert found == set(acknowledged)
    for _conv, count, top in per_conv:
        assert count == top  # seq 1..n with no gap or repeat


def test_a_write_that_waits_out_its_bound_is_refused_before_it_starts(
    impatient_sqlite: str,
) -> None:
    world, sessions = _world(impatient_sqlite, wait_s=0.2)
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    gate = write_gate(sessions.kw["bind"])
    assert gate is not None
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with sessions.begin():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(WritesBacklogged) as refused:
            add_customer_turn(world.ctx, customer, conv.id, "Is anyone there?")
        assert refused.value.code == "E871"
        assert refused.value.retry_after >= 1
    finally:
        release.set()
        holder.join(10)
    with sessions() as session:
        texts = session.scalars(select(Turn.text).where(Turn.conversation_id == conv.id)).all()
    assert "Is anyone there?" not in texts  # nothing was written for the refused post
    posted = add_customer_turn(world.ctx, customer, conv.id, "Is anyone there?")
    assert posted.created  # the gate is free again: the retry is stored


def test_the_gate_lets_its_holder_in_again_and_counts_who_waits(impatient_sqlite: str) -> None:
    engine = make_engine(impatient_sqlite, write_wait_s=0.2)
    gate = write_gate(engine)
    assert gate is not None
    outcome: list[str] = []

    def other_thread() -> None:
        try:
            with gate.held():
                outcome.append("entered")
        except WritesBacklogged:
            outcome.append("refused")

    with gate.held(), gate.held():  # re-entrant: a nested write does not wait for itself
        waiter = threading.Thread(target=other_thread)
        waiter.start()
        waiter.join(5)
    assert outcome == ["refused"]  # another thread waited its 0.2 s and was turned away
    assert gate.waiting == 0
    other_thread()
    assert outcome == ["refused", "entered"]
    engine.dispose()


def test_postgres_and_in_memory_engines_have_no_gate() -> None:
    engine = make_engine("sqlite://", check=False)
    assert write_gate(engine) is None
    engine.dispose()
