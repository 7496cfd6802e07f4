"""kill -9 the server while 20 clients post turns; after a restart nothing acknowledged is lost.

A real uvicorn process serves a file SQLite database. Twenty clients, one conversation each, post
customer turns with idempotency keys in bounded loops. The server is killed with SIGKILL while
they post, then restarted on the same file; each client retries the turn it had sent without an
answer, with the same key. Every acknowledged turn must be stored exactly once, every retried turn
exactly once, and nothing else may appear.

The server uses the plain-cue analyzer of `tests.factories`, so the test measures storage and
transactions, not model speed.
"""

from __future__ import annotations

import os
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

    def post(self, http: httpx.Client, base: str, key: str) -> httpx.Response:
        return http.post(
            f"{base}/api/v1/conversations/{self.conversation_id}/turns",
            json={"text": f"message {key}"},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
        )

    def run(self, base: str, stop: threading.Event) -> None:
        with httpx.Client(timeout=15.0) as http:
            for i in range(TURNS_PER_CLIENT):
                key = f"c{self.conversation_id}-t{i}"
                self.pending = key
                try:
                    response = self.post(http, base, key)
                except httpx.HTTPError:
                    return  # the server died with this key unanswered
                if response.status_code in (200, 201):
                    self.acked.add(key)
                    self.pending = None
                if stop.is_set():
                    return


class Server:
    def __init__(self, db_url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CALMDESK_DATABASE_URL": db_url, "CALMDESK_SECRET_KEY": SECRET}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port)], cwd=REPO, env=env
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        pytest.fail("the server did not start within 60 s")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def crash_db(tmp_path: Path) -> Iterator[tuple[str, list[Client]]]:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    upgrade(url)
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
    yield url, clients


def _stored_keys(url: str) -> Counter[str]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            keys = session.scalars(select(Turn.idempotency_key))
            return Counter(client_key(k) for k in keys if k is not None)
    finally:
        engine.dispose()


def _post_until_killed(server: Server, clients: list[Client]) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(server.base, stop)) for c in clients]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while sum(len(c.acked) for c in clients) < KILL_AFTER_ACKS and time.monotonic() < deadline:
        time.sleep(0.02)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


@pytest.mark.slow
def test_crash_every_acknowledged_turn_is_stored_exactly_once(
    crash_db: tuple[str, list[Client]],
) -> None:
    url, clients = crash_db
    server = Server(url)
    try:
        _post_until_killed(server, clients)
    finally:
        server.stop()
    acked = {key for c in clients for key in c.acked}
    assert len(acked) >= KILL_AFTER_ACKS, "the clients were not posting when the server died"
    restarted = Server(url)
    try:
        with httpx.Client(timeout=15.0) as http:
            for client in (c for c in clients if c.pending):
                response = client.post(http, restarted.base, client.pending or "")
                assert response.status_code in (200, 201), response.text
    finally:
        restarted.stop()
    retried = {c.pending for c in clients if c.pending}
    stored = _stored_keys(url)
    assert all(stored[key] == 1 for key in acked | retried)
    assert set(stored) == acked | retried
