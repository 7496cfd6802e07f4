"""Request limits and the login throttle, in a store every server process shares.

Limits (fixed windows; defaults in `Settings`, all per key):

    chat token   `rate_chat_per_min` requests a minute (HTTP posts and websocket messages)
    client IP    `rate_ip_per_min` a minute, for anonymous and chat callers (staff and
                 integrations are limited per user instead, so an office or an integration
                 behind one address is not throttled as one)
    user         `rate_user_per_s` a second per staff member or API token owner
    route        `rate_route_per_s` a second per route, everyone together

The login throttle slows guessing without locking the real user out: failures are counted per
account *and* address, and after `login_free_failures` each further attempt from that address
must wait twice as long as the last (1 s, 2 s, 4 s ... up to `login_max_delay_s`); the same
account from another address is not delayed. One address failing `login_per_address` times in
15 minutes, whatever the account, waits out the window.

The per-second counters (user, route) have limits in the thousands and are hit by every request
of an integration, so each process counts them locally and adds its counts to the shared store
every `Limiter.FLUSH_S` (50 ms) in one statement: a request never waits for the store on their
account, and the processes together may overshoot such a limit by what they serve in 50 ms (an
integration allowed 1000 a second and served by two processes: at most about 100 more). The
per-minute counters (chat token, address: small limits, the ones that stop abuse) stay exact: one
shared upsert per request.

Stores (`rate_limit_store`): `database` (PostgreSQL: the app's database, commits without waiting
for fsync; SQLite: a side file `<database>-limits.db` shared by the processes of one host),
`redis` (`CALMDESK_REDIS_URL`) or `memory` (one process; tests).

The client address is the socket's peer, or the right-most address of `X-Forwarded-For` not in
`trusted_proxies` when the peer is a trusted proxy; a header from anyone else is ignored.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import random
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, bindparam, create_engine, delete, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from calmdesk.config import Settings
from calmdesk.domain.errors import TooManyAttempts
from calmdesk.storage.trust import LoginFailure, RateCounter

log = logging.getLogger("calmdesk.web.ratelimit")

__all__ = [
    "DatabaseStore",
    "LimitStore",
    "Limiter",
    "LoginThrottle",
    "MemoryStore",
    "RateLimited",
    "TrustedProxies",
    "make_store",
]


class RateLimited(TooManyAttempts):
    """Too many requests; `retry_after` says how many seconds to wait."""

    code = "E700"
    default_message = "Too many requests; slow down and try again shortly."

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class LimitStore(Protocol):
    """Counters shared by the processes: hits per window, and login failures per key."""

    def hit(self, keys: list[tuple[str, int]], now: float) -> list[int]:
        """Count one hit for each `(key, window_s)`; the counts in the current windows."""
        ...

    def add(self, counts: list[tuple[str, int, int]], now: float) -> list[int]:
        """Add `n` hits to each `(key, window index, n)` (windows of one second, up to two
        seconds old); the totals."""
        ...

    def failures(self, key: str) -> tuple[int, float]:
        """`(failures, last failure time)` of a login key."""
        ...

    def fail(self, key: str, now: float) -> tuple[int, float]: ...

    def clear(self, key: str) -> None: ...


class MemoryStore:
    """One process only (tests, a single-worker demo)."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, int], int] = {}
        self._fail: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def hit(self, keys: list[tuple[str, int]], now: float) -> list[int]:
        out = []
        with self._lock:
            for key, window_s in keys:
                slot = (key, int(now // window_s))
                self._hits[slot] = self._hits.get(slot, 0) + 1
                out.append(self._hits[slot])
            if len(self._hits) > 100_000:
                self._hits.clear()
        return out

    def add(self, counts: list[tuple[str, int, int]], now: float) -> list[int]:
        out = []
        with self._lock:
            for key, window, n in counts:
                slot = (key, window)
                self._hits[slot] = self._hits.get(slot, 0) + n
                out.append(self._hits[slot])
        return out

    def failures(self, key: str) -> tuple[int, float]:
        with self._lock:
            return self._fail.get(key, (0, 0.0))

    def fail(self, key: str, now: float) -> tuple[int, float]:
        with self._lock:
            count = self._fail.get(key, (0, 0.0))[0] + 1
            self._fail[key] = (count, now)
            return count, now

    def clear(self, key: str) -> None:
        with self._lock:
            self._fail.pop(key, None)


class DatabaseStore:
    """Counters in `rate_counters` / `login_failures`, upserted in one statement per request."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pg = engine.dialect.name == "postgresql"
        self._insert = postgresql.insert if self._pg else sqlite.insert
        # One upsert with bound parameters, executed for many rows at once: compiled once and
        # cached (a multi-row VALUES built per call is compiled anew every time: ~1 ms).
        values = self._insert(RateCounter).values(
            key=bindparam("key"), window=bindparam("window"), hits=bindparam("hits"),
            expires=bindparam("expires"),
        )  # fmt: skip
        returning = (RateCounter.key, RateCounter.window, RateCounter.hits)
        self._hit = values.on_conflict_do_update(
            index_elements=["key", "window"], set_={"hits": RateCounter.hits + 1}
        ).returning(*returning)
        self._add = values.on_conflict_do_update(
            index_elements=["key", "window"], set_={"hits": RateCounter.hits + values.excluded.hits}
        ).returning(*returning)

    def _begin(self) -> Connection:
        conn = self.engine.connect()
        conn.begin()
        if self._pg:  # a lost counter is harmless: do not wait for the WAL flush
            conn.execute(text("SET LOCAL synchronous_commit = off"))
        return conn

    def hit(self, keys: list[tuple[str, int]], now: float) -> list[int]:
        rows: list[dict[str, int | str]] = [
            {"key": k[:200], "window": int(now // w), "hits": 1, "expires": int(now) + 2 * w}
            for k, w in keys
        ]
        with self._begin() as conn:
            got = {(r[0], r[1]): r[2] for r in conn.execute(self._hit, _in_lock_order(rows))}
            if random.random() < 0.001:  # noqa: S311 - housekeeping, not security
                conn.execute(delete(RateCounter).where(RateCounter.expires < int(now)))
            conn.commit()
        return [int(got.get((str(r["key"]), int(r["window"])), 1)) for r in rows]

    def add(self, counts: list[tuple[str, int, int]], now: float) -> list[int]:
        if not counts:
            return []
        rows: list[dict[str, int | str]] = [
            {"key": k[:200], "window": w, "hits": n, "expires": int(now) + 2} for k, w, n in counts
        ]
        with self._begin() as conn:
            got = {(r[0], r[1]): r[2] for r in conn.execute(self._add, _in_lock_order(rows))}
            conn.commit()
        return [int(got.get((str(r["key"]), int(r["window"])), 0)) for r in rows]

    def failures(self, key: str) -> tuple[int, float]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(LoginFailure.failures, LoginFailure.last_at).where(LoginFailure.key == key)
            ).first()
            conn.commit()
        return (int(row[0]), float(row[1])) if row else (0, 0.0)

    def fail(self, key: str, now: float) -> tuple[int, float]:
        stmt = (
            self._insert(LoginFailure)
            .values(key=key[:300], failures=1, last_at=now)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"failures": LoginFailure.failures + 1, "last_at": now},
            )
            .returning(LoginFailure.failures, LoginFailure.last_at)
        )
        with self._begin() as conn:
            row = conn.execute(stmt).one()
            conn.commit()
        return int(row[0]), float(row[1])

    def clear(self, key: str) -> None:
        with self._begin() as conn:
            conn.execute(delete(LoginFailure).where(LoginFailure.key == key))
            conn.commit()


def _in_lock_order(rows: list[dict[str, int | str]]) -> list[dict[str, int | str]]:
    """Rows sorted by (key, window): every process's upsert locks shared counters in the same
    order, so two flushes of the same counters wait for each other instead of deadlocking."""
    return sorted(rows, key=lambda r: (str(r["key"]), int(r["window"])))


class RedisStore:
    """Counters in Redis (INCR with expiry), shared by every process and host using it."""

    def __init__(self, url: str) -> None:
        import redis

        self.r = redis.Redis.from_url(url)

    def hit(self, keys: list[tuple[str, int]], now: float) -> list[int]:
        pipe = self.r.pipeline()
        for key, window_s in keys:
            name = f"calmdesk:rl:{key}:{int(now // window_s)}"
            pipe.incr(name)
            pipe.expire(name, 2 * window_s)
        results = pipe.execute()
        return [int(v) for v in results[0::2]]

    def add(self, counts: list[tuple[str, int, int]], now: float) -> list[int]:
        pipe = self.r.pipeline()
        for key, window, n in counts:
            name = f"calmdesk:rl:{key}:{window}"
            pipe.incrby(name, n)
            pipe.expire(name, 2)
        results = pipe.execute()
        return [int(v) for v in results[0::2]]

    def failures(self, key: str) -> tuple[int, float]:
        got = self.r.hmget(f"calmdesk:lf:{key}", ["n", "t"])
        return (int(got[0] or 0), float(got[1] or 0.0))

    def fail(self, key: str, now: float) -> tuple[int, float]:
        name = f"calmdesk:lf:{key}"
        pipe = self.r.pipeline()
        pipe.hincrby(name, "n", 1)
        pipe.hset(name, "t", now)
        pipe.expire(name, 86_400)
        count = pipe.execute()[0]
        return int(count), now

    def clear(self, key: str) -> None:
        self.r.delete(f"calmdesk:lf:{key}")


def _sqlite_side_engine(database_url: str) -> Engine:
    """The limits file beside a SQLite database (WAL, no fsync: counters are not records)."""
    path = make_url(database_url).database or "var/calmdesk.db"
    side = Path(f"{path}-limits.db")
    side.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{side}", connect_args={"timeout": 10.0})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=OFF", "busy_timeout=10000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    RateCounter.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    LoginFailure.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    return engine


def make_store(settings: Settings, engine: Engine) -> tuple[LimitStore, Engine | None]:
    """The store `settings` asks for, and an engine of its own to dispose of (or None)."""
    kind = settings.rate_limit_store
    if kind == "memory":
        return MemoryStore(), None
    if kind == "redis" and settings.redis_url:
        return RedisStore(settings.redis_url), None
    if engine.dialect.name == "sqlite":
        side = _sqlite_side_engine(settings.database_url)
        return DatabaseStore(side), side
    return DatabaseStore(engine), None


class _LocalSeconds:
    """Per-second counts kept in the process and added to the shared store every `flush_s`."""

    def __init__(self, store: LimitStore, flush_s: float) -> None:
        self.store, self.flush_s = store, flush_s
        self._local: dict[tuple[str, int], int] = {}  # not yet in the store
        self._shared: dict[tuple[str, int], int] = {}  # the store's totals at the last flush
        self._lock = threading.Lock()
        self._flushed_at = 0.0
        self._flushing = False

    def hit(self, keys: list[str], now: float, *, flush: bool = True) -> list[int]:
        """Count one hit of each key; the counts so far in this second. With `flush`, a flush
        that is due is made here; otherwise the caller makes it (`due`, `flush_if_due`)."""
        window = int(now)
        with self._lock:
            counts = []
            for key in keys:
                slot = (key, window)
                self._local[slot] = self._local.get(slot, 0) + 1
                counts.append(self._shared.get(slot, 0) + self._local[slot])
        if flush:
            self.flush_if_due(now)
        return counts

    def due(self, now: float) -> bool:
        """Whether a flush is due (a hint: `flush_if_due` decides under the lock)."""
        return not self._flushing and now - self._flushed_at >= self.flush_s

    def flush_if_due(self, now: float) -> None:
        with self._lock:
            due = not self._flushing and now - self._flushed_at >= self.flush_s
            if due:
                self._flushing, self._flushed_at = True, now
        if due:
            self.flush(now)

    def flush(self, now: float) -> None:
        with self._lock:
            pending, self._local = self._local, {}
        try:
            items = [(k, w, n) for (k, w), n in pending.items() if w >= int(now) - 1]
            totals = self.store.add(items, now) if items else []
        except Exception:  # noqa: BLE001 - the store is away: count here, try again next time
            log.warning(
                "could not share the request counts; counting in this process", exc_info=True
            )
            with self._lock:
                for slot, n in pending.items():
                    self._local[slot] = self._local.get(slot, 0) + n
                self._flushing = False
            return
        with self._lock:
            for (key, window, _), total in zip(items, totals, strict=True):
                self._shared[(key, window)] = total
            for slot in [s for s in self._shared if s[1] < int(now) - 1]:
                del self._shared[slot]
            self._flushing = False


class Limiter:
    """Checks the request limits of one request (see the module docstring)."""

    FLUSH_S = 0.05

    def __init__(self, settings: Settings, store: LimitStore) -> None:
        self.settings, self.store = settings, store
        self._seconds = _LocalSeconds(store, self.FLUSH_S)

    def check(
        self, *, route: str, ip: str | None = None, user: int | None = None,
        chat: str | None = None, flush: bool = True,
    ) -> None:  # fmt: skip
        """RateLimited when over a limit. `flush=False` (a caller on the event loop, where the
        store must not be written): a due flush of the per-second counts is left to the caller,
        `flush_due()` then `flush_if_due()` in a thread. The per-minute limits (`chat`, `ip`
        without `user`) always use the store."""
        s = self.settings
        # per second, counted in the process and shared every FLUSH_S
        fast: list[tuple[str, int, str]] = [
            (f"route:{route}", s.rate_route_per_s, "This part of calmdesk is very busy"),
        ]
        if user is not None:
            fast.append((f"user:{user}", s.rate_user_per_s, "Too many requests for this user"))
        # per minute, exact in the shared store
        exact: list[tuple[str, int, int, str]] = []
        if chat is not None:
            exact.append((f"chat:{chat}", 60, s.rate_chat_per_min, "This chat is sending too fast"))
        if user is None and ip is not None:
            exact.append((f"ip:{ip}", 60, s.rate_ip_per_min, "Too many requests from this address"))
        now = time.time()
        for (_, limit, why), count in zip(
            fast, self._seconds.hit([k for k, _, _ in fast], now, flush=flush), strict=True
        ):
            if count > limit:
                raise RateLimited(f"{why}: at most {limit} a second; wait 1 s and try again.", 1)
        counts = self.store.hit([(k, w) for k, w, _, _ in exact], now) if exact else []
        for (_, window_s, limit, why), count in zip(exact, counts, strict=True):
            if count > limit:
                wait = math.ceil(window_s - (now % window_s))
                raise RateLimited(f"{why}: at most {limit} a {_unit(window_s)}; "
                                  f"wait {wait} s and try again.", retry_after=wait)  # fmt: skip

    def flush_due(self) -> bool:
        """Whether the per-second counts are due to be shared (after `check(flush=False)`)."""
        return self._seconds.due(time.time())

    def flush_if_due(self) -> None:
        """Share the per-second counts with the store if due (a write: not on the event loop)."""
        self._seconds.flush_if_due(time.time())


def _unit(window_s: int) -> str:
    return "second" if window_s == 1 else "minute" if window_s == 60 else f"{window_s} s"


class LoginThrottle:
    """Progressive delays per account+address, and a cap per address (module docstring)."""

    ADDRESS_WINDOW_S = 900

    def __init__(self, settings: Settings, store: LimitStore) -> None:
        self.settings, self.store = settings, store

    @staticmethod
    def _account(username: str, client: str) -> str:
        return f"acct:{username.strip().lower()[:200]}|{client}"

    def delay_for(self, failures: int) -> int:
        """Seconds to wait after `failures` failures for one account from one address."""
        over = failures - self.settings.login_free_failures
        return 0 if over < 0 else min(self.settings.login_max_delay_s, 2**over)

    def check(self, username: str, client: str) -> None:
        """RateLimited while this account+address must wait, or the address is over its cap."""
        now = time.time()
        failures, last = self.store.failures(self._account(username, client))
        wait = self.delay_for(failures) - (now - last) if failures else 0
        if wait > 0:
            raise RateLimited(
                "Too many failed logins for this account from this address; "
                f"wait {math.ceil(wait)} s.",
                retry_after=math.ceil(wait),
            )
        window = self.ADDRESS_WINDOW_S
        addr_failures, _ = self.store.failures(f"addr:{client}|{int(now // window)}")
        if addr_failures >= self.settings.login_per_address:
            wait = math.ceil(window - now % window)
            raise RateLimited(f"Too many failed logins from this address; wait {wait} s.", wait)

    def failed(self, username: str, client: str) -> None:
        now = time.time()
        self.store.fail(self._account(username, client), now)
        self.store.fail(f"addr:{client}|{int(now // self.ADDRESS_WINDOW_S)}", now)

    def succeeded(self, username: str, client: str) -> None:
        self.store.clear(self._account(username, client))


class TrustedProxies:
    """Which peers may tell us the client's address in `X-Forwarded-For`."""

    def __init__(self, spec: str) -> None:
        self.networks = [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in spec.split(",")
            if part.strip()
        ]

    def trusts(self, address: str | None) -> bool:
        if not address or not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def client(self, peer: str | None, forwarded_for: Iterable[str]) -> str:
        """The client's address: the peer, unless it is a trusted proxy that forwarded one."""
        address = peer or "unknown"
        if not self.trusts(peer):
            return address
        hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return address  # a garbled header: keep the last trustworthy address
            if not self.trusts(hop):
                return hop
            address = hop
        return address
