"""kill -9 the servers while 20 clients post turns; after a restart nothing acknowledged is lost.

Two scenarios, each with real uvicorn processes:

- **SQLite, one process.** Twenty clients, one conversation each, post customer turns with
  idempotency keys in bounded loops. The server is killed with SIGKILL while they post, then
  restarted on the same file; each client retries the turn it had sent without an answer, with
  the same key.
- **PostgreSQL, two processes** (as `calmdesk serve --workers 2` behind a proxy: independent
  processes sharing one database, the live hub on LISTEN/NOTIFY). Each client posts to its home
  process. Both processes are killed with SIGKILL at random points (random numbers of
  acknowledged turns; the seed is in the failure message), one after the other while the
  clients of the survivor keep posting; both are replaced by new processes (started while the
  first two served, so their imports overlap; they answer nothing before both are dead); every
  unanswered turn is retried with its key on the *other* process, and each client posts a few
  more turns.

In both, every acknowledged turn must be stored exactly once, every retried turn exactly once,
and nothing else may appear.

The servers use the plain-cue analyzer of `tests.factories`, so the test measures storage and
transactions, not model speed.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.factories import CueAnalyzer

from calmdesk.actions import ActionContext, Actor, create_customer, create_team, open_conversation
from calmdesk.actions.turns import client_key
from calmdesk.config import Settings
from calmdesk.storage import Turn, make_engine, make_session_factory, upgrade
from calmdesk.web.auth import issue_chat_token

CLIENTS = 20
TURNS_PER_CLIENT = 40
KILL_AFTER_ACKS = 60
SECRET = "crash-test-secret-key"
REPO = Path(__file__).resolve().parents[2]
SERVER = """
import sys, uvicorn
from calmdesk.config import Settings
from calmdesk.web import create_app
from tests.factories import CueAnalyzer
app = create_app(Settings(), analyzer=CueAnalyzer())
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
PG_ENV = {
    "CALMDESK_LIVE_BACKEND": "postgres",  # several processes: the shared hub
    "CALMDESK_HUEY_BACKEND": "memory",
    "CALMDESK_RATE_CHAT_PER_MIN": "100000",  # the limits are tested elsewhere; here, durability
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Client:
    """One chat customer: what they sent, what was acknowledged, what is still unanswered."""

    conversation_id: int
    token: str
    acked: set[str] = field(default_factory=set)
    pending: str | None = None
    sent: int = 0  # turns started (the next key's number)
    refused: list[str] = field(default_factory=list)  # answers that were neither 2xx nor lost

    def post(self, http: httpx.Client, base: str, key: str) -> httpx.Response:
        return http.post(
            f"{base}/api/v1/conversations/{self.conversation_id}/turns",
            json={"text": f"message {key}"},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
        )

    def run(self, base: str, stop: threading.Event, until: int = TURNS_PER_CLIENT) -> None:
        with httpx.Client(timeout=15.0) as http:
            while self.sent < until:
                key = f"c{self.conversation_id}-t{self.sent}"
                self.pending, self.sent = key, self.sent + 1
                try:
                    response = self.post(http, base, key)
                except httpx.HTTPError:
                    return  # the server died with this key unanswered
                if response.status_code in (200, 201):
                    self.acked.add(key)
                    self.pending = None
                else:
                    self.refused.append(f"{key}: {response.status_code} {response.text[:200]}")
                    return  # keep the key pending: it is retried after the restart
                if stop.is_set():
                    return

    def retry(self, http: httpx.Client, base: str) -> str | None:
        """Send the unanswered turn again with its key; the key, once it is acknowledged."""
        key = self.pending
        if key is None:
            return None
        response = self.post(http, base, key)
        assert response.status_code in (200, 201), response.text
        self.acked.add(key)
        self.pending = None
        return key


class Server:
    def __init__(self, db_url: str, extra_env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CALMDESK_DATABASE_URL": db_url, "CALMDESK_SECRET_KEY": SECRET}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port)], cwd=REPO, env=env | (extra_env or {})
        )

    def wait_ready(self) -> Server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        pytest.fail("the server did not start within 60 s")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _servers(url: str, count: int, extra_env: dict[str, str] | None = None) -> list[Server]:
    """`count` processes started together (they load in parallel), each answering."""
    servers = [Server(url, extra_env) for _ in range(count)]
    try:
        return [s.wait_ready() for s in servers]
    except BaseException:
        for server in servers:
            server.stop()
        raise


def _make_clients(url: str) -> list[Client]:
    engine = make_engine(url)
    ctx = ActionContext(make_session_factory(engine), Settings(), analyzer=CueAnalyzer())
    admin = Actor.system("crash-test")
    team = create_team(ctx, admin, "Orders")
    settings = Settings(secret_key=SECRET, database_url=url, _env_file=None)  # type: ignore[call-arg]
    clients = []
    for n in range(CLIENTS):
        customer = create_customer(ctx, admin, name=f"Customer {n}")
        conv = open_conversation(
            ctx, admin, customer_id=customer.id, channel="chat", team_id=team.id
        )
        clients.append(Client(conv.id, issue_chat_token(settings, conv.id, customer.id)))
    engine.dispose()
    return clients


@pytest.fixture
def crash_db(tmp_path: Path) -> Iterator[tuple[str, list[Client]]]:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    upgrade(url)
    yield url, _make_clients(url)


@pytest.fixture
def crash_pg(pg_database: str) -> tuple[str, list[Client]]:
    from tests.conftest import _pg_empty

    _pg_empty(pg_database)
    return pg_database, _make_clients(pg_database)


def _stored_keys(url: str) -> Counter[str]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            keys = session.scalars(select(Turn.idempotency_key))
            return Counter(client_key(k) for k in keys if k is not None)
    finally:
        engine.dispose()


def _acks(clients: list[Client]) -> int:
    return sum(len(c.acked) for c in clients)


def _wait_acks(clients: list[Client], target: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while _acks(clients) < target and time.monotonic() < deadline:
        time.sleep(0.01)


def _post_until_killed(server: Server, clients: list[Client]) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(server.base, stop)) for c in clients]
    for thread in threads:
        thread.start()
    _wait_acks(clients, KILL_AFTER_ACKS)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def _check_stored(url: str, clients: list[Client], retried: set[str], note: str = "") -> None:
    acked = {key for c in clients for key in c.acked}
    stored = _stored_keys(url)
    lost = sorted((acked | retried) - set(stored))
    twice = sorted(k for k, n in stored.items() if n > 1)
    unknown = sorted(set(stored) - acked - retried)
    assert not lost, f"acknowledged turns lost {note}: {lost[:10]}"
    assert not twice, f"turns stored twice {note}: {twice[:10]}"
    assert not unknown, f"turns nobody sent or retried {note}: {unknown[:10]}"


@pytest.mark.slow
def test_crash_every_acknowledged_turn_is_stored_exactly_once(
    crash_db: tuple[str, list[Client]],
) -> None:
    url, clients = crash_db
    server = Server(url).wait_ready()
    try:
        _post_until_killed(server, clients)
    finally:
        server.stop()
    acked = {key for c in clients for key in c.acked}
    assert len(acked) >= KILL_AFTER_ACKS, "the clients were not posting when the server died"
    restarted = Server(url).wait_ready()
    retried: set[str] = set()
    try:
        with httpx.Client(timeout=15.0) as http:
            for client in (c for c in clients if c.pending):
                retried.add(client.pending or "")
                client.retry(http, restarted.base)
    finally:
        restarted.stop()
    assert not [r for c in clients for r in c.refused]
    _check_stored(url, clients, retried)


AFTER_RESTART = 3  # turns each client posts to the restarted processes


def _crash_round(servers: list[Server], clients: list[Client], rng: random.Random) -> int:
    """Clients post to their home process; both processes die by SIGKILL at random points."""
    stop = threading.Event()
    until = min(c.sent for c in clients) + TURNS_PER_CLIENT
    threads = [
        threading.Thread(target=c.run, args=(servers[i % 2].base, stop, until))
        for i, c in enumerate(clients)
    ]
    start = _acks(clients)
    for thread in threads:
        thread.start()
    first, second = rng.sample(range(2), 2)
    _wait_acks(clients, start + rng.randint(30, 90))
    servers[first].kill()  # the clients at home there stop, one turn unanswered each
    _wait_acks(clients, _acks(clients) + rng.randint(5, 40))
    servers[second].kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return _acks(clients) - start


@pytest.mark.slow
@pytest.mark.postgres
def test_crash_two_processes_on_postgres_lose_and_duplicate_nothing(
    crash_pg: tuple[str, list[Client]],
) -> None:
    url, clients = crash_pg
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    note = f"(seed {seed})"
    retried: set[str] = set()
    servers = _servers(url, 2, PG_ENV)
    # the replacements load (imports: most of the test's time) while the first two serve; they
    # answer nothing before both are dead, so they start on what the killed ones left committed
    spares = [Server(url, PG_ENV) for _ in range(2)]
    try:
        acked = _crash_round(servers, clients, rng)
        assert acked >= 30, f"the clients were not posting when the servers died {note}"
        servers = [s.wait_ready() for s in spares]
        with httpx.Client(timeout=15.0) as http:
            for i, client in enumerate(clients):  # each retry goes to the other process
                retried.add(client.retry(http, servers[(i + 1) % 2].base) or "")
        never = threading.Event()
        more = [  # and the restarted processes go on storing
            threading.Thread(
                target=c.run, args=(servers[i % 2].base, never, c.sent + AFTER_RESTART)
            )
            for i, c in enumerate(clients)
        ]
        for thread in more:
            thread.start()
        for thread in more:
            thread.join(timeout=30)
        refused = [r for c in clients for r in c.refused]
        assert not refused, f"answers other than stored or lost {note}: {refused[:5]}"
    finally:
        for server in {*servers, *spares}:
            server.stop()
    retried.discard("")
    assert retried, f"no turn was in flight when a process died {note}"
    _check_stored(url, clients, retried, note)
