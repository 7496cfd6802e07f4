"""The default limits let an integration work at the load target and stop a chat token; the
per-second counters are counted in each process and shared every 50 ms.

The load target (issue 9, `benchmarks/bench_load.py`): 100 customer turns and 300 reads a second
through one integration's API token, for as long as it lasts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from calmdesk.config import Settings
from calmdesk.storage import make_engine
from calmdesk.web.ratelimit import DatabaseStore, Limiter, MemoryStore, RateLimited

TURNS = "POST /api/v1/conversations/{conversation_id}/turns"
CHAT = "GET /api/v1/conversations/{conversation_id}/chat"
LIST = "GET /api/v1/conversations"


class Clock:
    """The limiter's clock, moved by the test."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("calmdesk.web.ratelimit.time", fake)
    return fake


def _bench_second(limiters: list[Limiter], clock: Clock, user: int) -> list[str]:
    """One second of the bench's load, spread over `limiters` (processes); what was refused."""
    refused = []
    for n in range(400):
        clock.now += 1 / 400
        route = TURNS if n % 4 == 0 else (CHAT if n % 3 else LIST)
        try:
            limiters[n % len(limiters)].check(route=route, user=user)
        except RateLimited as exc:
            refused.append(str(exc))
    return refused


def test_the_default_limits_let_an_integration_post_and_read_at_the_load_target(
    clock: Clock,
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    store = MemoryStore()
    two = [Limiter(settings, store), Limiter(settings, store)]  # two server processes
    for _ in range(30):  # half a minute at the target: never refused
        assert _bench_second(two, clock, user=7) == []


def test_the_default_limits_stop_a_chat_token_far_below_that_rate(clock: Clock) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    limiter = Limiter(settings, MemoryStore())
    allowed = 0
    for _ in range(100):  # one second of posts at the integration's turn rate
        clock.now += 0.01
        try:
            limiter.check(route=TURNS, ip="203.0.113.9", chat="token-key")
            allowed += 1
        except RateLimited as exc:
            assert "at most 30 a minute" in str(exc)
    assert allowed == settings.rate_chat_per_min == 30


@pytest.fixture
def side_store(tmp_path: Path) -> Iterator[DatabaseStore]:
    from calmdesk.web.ratelimit import _sqlite_side_engine

    engine = _sqlite_side_engine(f"sqlite:///{tmp_path / 'calmdesk.db'}")
    yield DatabaseStore(engine)
    engine.dispose()


def test_per_second_limits_hold_across_processes_within_one_flush(
    clock: Clock, side_store: DatabaseStore
) -> None:
    """Two processes share a user limit of 100 a second: together they allow at most the
    limit plus what each serves between two flushes (here 200 a second, 50 ms: 10 each)."""
    settings = Settings(rate_user_per_s=100, _env_file=None)  # type: ignore[call-arg]
    a, b = Limiter(settings, side_store), Limiter(settings, side_store)
    clock.now = float(int(clock.now)) + 0.001  # start at the beginning of a second
    allowed = {"a": 0, "b": 0}
    for n in range(190):
        clock.now += 1 / 200
        name, limiter = ("a", a) if n % 2 else ("b", b)
        try:
            limiter.check(route=LIST, user=1)
            allowed[name] += 1
        except RateLimited as exc:
            assert "at most 100 a second" in str(exc)
    total = allowed["a"] + allowed["b"]
    assert 100 <= total <= 100 + 2 * 10, allowed
    assert allowed["a"] > 30 and allowed["b"] > 30  # both processes served until the limit
    clock.now = float(int(clock.now)) + 1.001  # a new second: allowed again
    a.check(route=LIST, user=1)


def test_a_process_counts_on_when_the_shared_store_fails(clock: Clock) -> None:
    class Broken(MemoryStore):
        def add(self, counts, now):  # type: ignore[no-untyped-def]
            raise OSError("the store is away")

    settings = Settings(rate_user_per_s=5, _env_file=None)  # type: ignore[call-arg]
    limiter = Limiter(settings, Broken())
    codes = []
    for _ in range(8):
        clock.now += 0.001
        try:
            limiter.check(route=LIST, user=1)
            codes.append("ok")
        except RateLimited:
            codes.append("429")
    assert codes == ["ok"] * 5 + ["429"] * 3  # requests go on, and the local count holds


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_database_store_adds_batched_counts(kind: str, request: pytest.FixtureRequest) -> None:
    if kind == "sqlite":
        store = request.getfixturevalue("side_store")
        engine = None
    else:
        from tests.conftest import _pg_empty

        url = request.getfixturevalue("pg_database")
        _pg_empty(url)
        engine = make_engine(url)
        store = DatabaseStore(engine)
    try:
        window = 1_800_000_000
        assert store.add([("user:9", window, 3), ("route:x", window, 1)], window) == [3, 1]
        assert store.add([("user:9", window, 4)], window + 0.5) == [7]
        assert store.add([("user:9", window + 1, 2)], window + 1.1) == [2]
        assert store.add([], window) == []
    finally:
        if engine is not None:
            engine.dispose()


@pytest.mark.postgres
def test_two_processes_flushing_the_same_counters_never_deadlock(pg_database: str) -> None:
    """Two processes add to the same counters, listed in opposite orders: each upsert locks the
    rows in one order (sorted), so PostgreSQL never finds them waiting on each other."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import _pg_empty

    _pg_empty(pg_database)
    engines = [make_engine(pg_database), make_engine(pg_database)]
    stores = [DatabaseStore(e) for e in engines]
    window = 1_800_000_000
    keys = [f"user:{n}" for n in range(8)] + ["route:GET /api/v1/conversations"]

    def flush(n: int) -> int:
        order = keys if n % 2 else list(reversed(keys))
        store = stores[n % 2]
        for _ in range(60):
            store.add([(k, window, 1) for k in order], window)
        return n

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            assert sorted(pool.map(flush, range(4))) == [0, 1, 2, 3]  # no DeadlockDetected
        assert stores[0].add([(keys[0], window, 0)], window) == [240]
    finally:
        for engine in engines:
            engine.dispose()
