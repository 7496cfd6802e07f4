"""The desk at scale: queue and search over 100,000 conversations, and how fast a live queue
update reaches another console.

The bulk data (customers, conversations, two turns each, SLA rows) is written with plain INSERTs
into a migrated database, so the FTS5 triggers (SQLite) and GIN indexes (PostgreSQL) maintain the
search index exactly as they do in production; going through the actions for 100,000 cases would
measure the analysis, not the desk. Then, through the app (Starlette's TestClient, an API token):

* `queue_sla_ms`: p50/p95 of `GET /api/v1/conversations?sort=sla_due&limit=50` (admin);
* `queue_team_ms`: the same as a supervisor (visibility clause of one team);
* `search_ms`: p50/p95 of `GET /api/v1/search?q=<word>` over varied words (admin);
* `search_team_ms`: the same as a supervisor;
* `live_queue_ms`: p50/p95 from sending `POST .../claim` to another console's desk socket
  receiving its `queue` event.

Targets (issue 11): queue and search p95 < 100 ms; live update < 1 s.
Run: `python -m benchmarks.bench_desk [--pg URL] [--n 100000]` (prints JSON); `run()` = SQLite.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from benchmarks.fixed_signals import FixedSignals
from calmdesk.actions import (
    ActionContext,
    Actor,
    create_api_token,
    create_team,
    create_user,
)
from calmdesk.config import Settings
from calmdesk.storage import (
    Conversation,
    Customer,
    Turn,
    make_engine,
    make_session_factory,
    upgrade,
)
from calmdesk.storage.desk import ConversationSla
from calmdesk.web import create_app

SYSTEM = Actor.system("bench")
SAMPLES = 60
WORDS = (
    "parcel", "refund", "invoice", "broken", "late", "charger", "account", "password",
    "delivery", "courier", "warranty", "screen", "battery", "cancel", "subscription",
)  # fmt: skip


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"p50": round(statistics.median(ordered) * 1000, 1), "p95": round(p95 * 1000, 1)}


def _time(call: Callable[[int], Any], n: int = SAMPLES) -> dict[str, float]:
    call(0)  # warm caches once
    samples = []
    for i in range(n):
        start = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - start)
    return _ms(samples)


def _fill(url: str, n: int, team_ids: list[int]) -> None:
    engine = make_engine(url)
    rng = random.Random(7)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Customer), [
            {"name": f"Customer {i}", "email": f"c{i}@example.com", "tier": "standard",
             "profile": {}, "orders_count": 0, "lifetime_value": 0.0, "complaints_count": 0,
             "contacts_count": 1, "bad_experiences": [], "standing": "good",
             "standing_reason": "", "warnings_count": 0, "created_at": start}
            for i in range(n // 10)
        ])  # fmt: skip
    batch = 5000
    for lo in range(0, n, batch):
        convs, turns, slas = [], [], []
        for i in range(lo, min(n, lo + batch)):
            cid = i + 1
            opened = start + timedelta(minutes=i)
            convs.append({
                "id": cid, "customer_id": rng.randrange(n // 10) + 1, "channel": "email",
                "status": rng.choice(("open", "pending", "escalated", "resolved")),
                "priority": "normal", "subject": f"Order {10000 + i}",
                "team_id": team_ids[i % len(team_ids)], "escalation_risk": rng.random(),
                "trend": "steady", "upset": rng.random(), "cause": "none", "risk_reasons": [],
                "customer_turns": 1, "outcome": "", "meta": {}, "opened_at": opened,
                "updated_at": opened, "last_customer_at": opened,
            })  # fmt: skip
            words = " ".join(rng.sample(WORDS, 3))
            turns.append(
                {
                    "conversation_id": cid,
                    "seq": 1,
                    "author_role": "customer",
                    "text": f"My {words} problem with order {10000 + i}",
                    "created_at": opened,
                }
            )
            turns.append(
                {
                    "conversation_id": cid,
                    "seq": 2,
                    "author_role": "agent",
                    "text": "I'm sorry; I am looking into it now.",
                    "created_at": opened,
                }
            )
            slas.append({"conversation_id": cid, "policy": "standard", "due_metric": "resolution",
                         "due_at": opened + timedelta(days=rng.randrange(1, 30)),
                         "resolution_due_at": opened + timedelta(days=5)})  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(Conversation), convs)
            conn.execute(insert(Turn), turns)
            conn.execute(insert(ConversationSla), slas)
    with engine.begin() as conn:  # what autovacuum (PostgreSQL) or `PRAGMA optimize` would do
        conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(url: str, n: int) -> dict[str, Any]:
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    ctx = ActionContext(sessions, Settings(), analyzer=FixedSignals())
    teams = [create_team(ctx, SYSTEM, f"Team {i}").id for i in range(4)]
    admin = create_user(ctx, SYSTEM, username="ada", password="bench-password-1", role="admin",
                        display_name="Ada", team_id=teams[0])  # fmt: skip
    sup = create_user(ctx, SYSTEM, username="sam", password="bench-password-1", role="supervisor",
                      display_name="Sam", team_id=teams[0])  # fmt: skip
    t0 = time.perf_counter()
    _fill(url, n, teams)
    fill_s = time.perf_counter() - t0
    as_admin = {"Authorization": f"Bearer {create_api_token(ctx, SYSTEM, admin.id, 'b')[0]}"}
    as_sup = {"Authorization": f"Bearer {create_api_token(ctx, SYSTEM, sup.id, 'b')[0]}"}
    settings = Settings(database_url=url, secret_key="bench-secret-key-x" * 2, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, analyzer=FixedSignals())
    out: dict[str, Any] = {"conversations": n, "fill_s": round(fill_s, 1)}
    with TestClient(app) as client:
        queue = "/api/v1/conversations?sort=sla_due&limit=50"

        def get(path: str, headers: dict[str, str], **params: Any) -> None:
            answer = client.get(path, headers=headers, params=params or None)
            assert answer.status_code == 200, answer.text

        out["queue_sla_ms"] = _time(lambda i: get(queue, as_admin))
        out["queue_team_ms"] = _time(lambda i: get(queue, as_sup))
        out["search_ms"] = _time(lambda i: get("/api/v1/search", as_admin, q=WORDS[i % 15]))
        out["search_team_ms"] = _time(lambda i: get("/api/v1/search", as_sup, q=WORDS[i % 15]))
        out["search_two_words_ms"] = _time(
            lambda i: get("/api/v1/search", as_admin, q=f"{WORDS[i % 15]} {WORDS[(i + 4) % 15]}")
        )
        out["live_queue_ms"] = _live(client, as_sup, sessions)
    app.state.engine.dispose()
    return out


def _live(client: TestClient, headers: dict[str, str], sessions: Any) -> dict[str, float]:
    """Another console's desk socket hears of a claim: send to receipt."""
    from sqlalchemy import select

    login = client.post("/api/v1/login", json={"username": "sam", "password": "bench-password-1"})
    assert login.status_code == 200
    with sessions() as session:
        ids = list(session.scalars(
            select(Conversation.id).where(Conversation.assignee_id.is_(None),
                                          Conversation.status == "open",
                                          Conversation.team_id == 1).limit(25)
        ))  # fmt: skip
    samples = []
    with client.websocket_connect("/console/desk/ws") as ws:
        for cid in ids:
            got: list[float] = []

            def receive(into: list[float] = got) -> None:
                ws.receive_json()
                into.append(time.perf_counter())

            reader = threading.Thread(target=receive)
            reader.start()
            start = time.perf_counter()
            answer = client.post(f"/api/v1/conversations/{cid}/claim", headers=headers)
            assert answer.status_code == 200, answer.text
            reader.join(timeout=5)
            if got:
                samples.append(got[0] - start)
    return _ms(samples) if samples else {"p50": -1, "p95": -1}


def run(n: int = 100_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        return {"sqlite": measure(f"sqlite:///{Path(folder) / 'desk.db'}", n)}


if __name__ == "__main__":
    args = sys.argv[1:]
    count = int(args[args.index("--n") + 1]) if "--n" in args else 100_000
    if "--pg" in args:
        print(json.dumps({"postgres": measure(args[args.index("--pg") + 1], count)}, indent=2))
    else:
        print(json.dumps(run(count), indent=2))
