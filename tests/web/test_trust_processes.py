"""Two server processes on one PostgreSQL database: live messages, sessions and limits shared.

Each server is `uvicorn` in its own process (like `calmdesk serve --workers 2` behind a proxy) with
`CALMDESK_LIVE_BACKEND=postgres`. A message posted on one reaches a websocket connected to the
other (LISTEN/NOTIFY); a session revoked through one is refused by the other; a chat token's rate
limit counts its posts on both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import _free_port, _pg_empty
from tests.factories import ADMIN, PASSWORD, CueAnalyzer
from websockets.sync.client import connect

from calmdesk.actions import (
    ActionContext,
    create_api_token,
    create_customer,
    create_team,
    create_user,
    open_conversation,
)
from calmdesk.config import Settings
from calmdesk.storage import make_engine, make_session_factory
from calmdesk.web.auth import issue_chat_token

pytestmark = pytest.mark.postgres

SECRET = "two-process-test-secret"
REPO = Path(__file__).resolve().parents[2]
SERVER = """
import sys, uvicorn
from calmdesk.config import Settings
from calmdesk.web import create_app
from tests.factories import CueAnalyzer
app = create_app(Settings(), analyzer=CueAnalyzer())
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
CHAT_LIMIT = 6


class Server:
    def __init__(self, db_url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ, "CALMDESK_DATABASE_URL": db_url, "CALMDESK_SECRET_KEY": SECRET,
            "CALMDESK_LIVE_BACKEND": "postgres", "CALMDESK_RATE_CHAT_PER_MIN": str(CHAT_LIMIT),
            "CALMDESK_HUEY_BACKEND": "memory",
        }  # fmt: skip
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port)], cwd=REPO, env=env
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        pytest.fail("the server did not start within 90 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def two(pg_database: str) -> Iterator[tuple[Server, Server, dict[str, object]]]:
    _pg_empty(pg_database)
    engine = make_engine(pg_database)
    settings = Settings(database_url=pg_database, secret_key=SECRET, _env_file=None)  # type: ignore[call-arg]
    ctx = ActionContext(make_session_factory(engine), settings, analyzer=CueAnalyzer())
    team = create_team(ctx, ADMIN, "Orders")
    admin = create_user(
        ctx, ADMIN, username="ada", password=PASSWORD, role="admin", team_id=team.id
    )
    customer = create_customer(ctx, ADMIN, name="Carl Calm")
    conv = open_conversation(ctx, ADMIN, customer_id=customer.id, channel="chat", team_id=team.id)
    token, _ = create_api_token(ctx, ADMIN, admin.id, "integration")
    engine.dispose()
    facts: dict[str, object] = {
        "conv": conv.id, "api": {"Authorization": f"Bearer {token}"},
        "chat": issue_chat_token(settings, conv.id, customer.id),
    }  # fmt: skip
    a, b = Server(pg_database), Server(pg_database)
    try:
        yield a, b, facts
    finally:
        a.stop()
        b.stop()


def test_a_message_posted_on_one_process_reaches_a_socket_on_the_other(two) -> None:  # type: ignore[no-untyped-def]
    a, b, facts = two
    url = f"ws://127.0.0.1:{b.port}/chat/{facts['chat']}/ws?after=0"
    with connect(url, open_timeout=10) as ws:
        time.sleep(0.5)  # the socket is subscribed once accepted; give the listener a moment
        posted = httpx.post(
            f"{a.base}/api/v1/conversations/{facts['conv']}/replies",
            json={"text": "Sent through the other process"}, headers=facts["api"], timeout=30,
        )  # fmt: skip
        assert posted.status_code == 201, posted.text
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            frame = json.loads(ws.recv(timeout=15))
            if frame.get("type") == "message":
                assert frame["text"] == "Sent through the other process"
                assert frame["id"] == posted.json()["turn"]["id"]
                break
        else:
            pytest.fail("the message never reached the other process's socket")


def test_a_session_revoked_through_one_process_is_refused_by_the_other(two) -> None:  # type: ignore[no-untyped-def]
    a, b, facts = two
    with httpx.Client(base_url=a.base, timeout=30) as browser:
        login = browser.post("/api/v1/login", json={"username": "ada", "password": PASSWORD})
        assert login.status_code == 200
        assert browser.get("/api/v1/me").status_code == 200
        sessions = httpx.get(f"{b.base}/api/v1/sessions", headers=facts["api"], timeout=30).json()
        live = [s["id"] for s in sessions if s["revoked_at"] is None]
        assert len(live) == 1
        revoked = httpx.delete(
            f"{b.base}/api/v1/sessions/{live[0]}", headers=facts["api"], timeout=30
        )
        assert revoked.status_code == 204
        assert browser.get("/api/v1/me").status_code == 401


def test_a_chat_tokens_limit_holds_across_two_processes(two) -> None:  # type: ignore[no-untyped-def]
    a, b, facts = two
    while time.time() % 60 > 40:  # keep the whole burst inside one minute window
        time.sleep(0.5)
    headers = {"Authorization": f"Bearer {facts['chat']}"}
    codes = []
    for n in range(CHAT_LIMIT + 4):
        server = (a, b)[n % 2]
        answer = httpx.post(
            f"{server.base}/api/v1/conversations/{facts['conv']}/turns",
            json={"text": f"hello {n}"}, headers=headers, timeout=30,
        )  # fmt: skip
        codes.append(answer.status_code)
    assert codes.count(201) == CHAT_LIMIT and codes[CHAT_LIMIT:] == [429] * 4
