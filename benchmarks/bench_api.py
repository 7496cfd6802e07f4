"""The API measured end to end in process (routing, auth, validation, access, action, JSON).

On a SQLite file in a temporary folder (WAL, synchronous=FULL), with an analyzer that returns
fixed signals so the analysis does not dominate, through Starlette's TestClient:

* `queue_ms`: p50/p99 of `GET /api/v1/conversations?limit=50` as a supervisor (API token);
* `detail_ms`: p50/p99 of `GET /api/v1/conversations/{id}` with 10 turns;
* `post_turn_ms`: p50/p99 of `POST .../turns` with an idempotency key, as the chat customer;
* `repost_ms`: p50/p99 of the same post again (idempotent replay, nothing written);
* `refused_ms`: p50/p99 of a refused oversized body (413, before any parsing).

Run: `python -m benchmarks.bench_api` (prints JSON); `run()` returns the same dict.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from benchmarks.fixed_signals import FixedSignals
from calmdesk.actions import (
    ActionContext,
    Actor,
    create_api_token,
    create_customer,
    create_team,
    create_user,
    open_conversation,
)
from calmdesk.config import Settings
from calmdesk.storage import make_engine, make_session_factory, upgrade
from calmdesk.web import create_app
from calmdesk.web.auth import issue_chat_token

SYSTEM = Actor.system("bench")
CONVERSATIONS = 60
SAMPLES = 150


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": round(statistics.median(ordered) * 1000, 2), "p99": round(p99 * 1000, 2)}


def _time(call: Callable[[int], Any], n: int = SAMPLES) -> dict[str, float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - start)
    return _ms(samples)


def _world(ctx: ActionContext, settings: Settings) -> tuple[str, list[tuple[int, str]]]:
    team = create_team(ctx, SYSTEM, "Orders")
    boss = create_user(ctx, SYSTEM, username="sam", password="bench password", role="supervisor",
                       team_id=team.id)  # fmt: skip
    token, _ = create_api_token(ctx, SYSTEM, boss.id, "bench")
    chats = []
    for n in range(CONVERSATIONS):
        customer = create_customer(ctx, SYSTEM, name=f"Customer {n}")
        conv = open_conversation(ctx, SYSTEM, customer_id=customer.id, channel="chat",
                                 team_id=team.id)  # fmt: skip
        chats.append((conv.id, issue_chat_token(settings, conv.id, customer.id)))
    return token, chats


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        # the bench times record keeping through one chat token per conversation, far faster than
        # a person types: the chat limit (30 a minute) is lifted here, nothing else
        settings = Settings(database_url=url, rate_chat_per_min=10**9, _env_file=None)  # type: ignore[call-arg]
        engine = make_engine(url)
        ctx = ActionContext(make_session_factory(engine), settings, analyzer=FixedSignals())
        token, chats = _world(ctx, settings)
        engine.dispose()
        with TestClient(create_app(settings, analyzer=FixedSignals())) as client:
            return _measure(client, token, chats)


def _measure(client: TestClient, token: str, chats: list[tuple[int, str]]) -> dict[str, Any]:
    staff = {"Authorization": f"Bearer {token}"}

    def post(i: int, key: str | None = None) -> None:
        conv, chat = chats[i % len(chats)]
        headers = {"Authorization": f"Bearer {chat}", "Idempotency-Key": key or f"k{i}"}
        url = f"/api/v1/conversations/{conv}/turns"
        assert client.post(url, json={"text": f"message {i}"}, headers=headers).status_code < 300

    post_turn = _time(post, len(chats) * 10)
    first = chats[0][0]
    return {
        "post_turn_ms": post_turn,
        "repost_ms": _time(lambda i: post(0, "k0")),
        "queue_ms": _time(lambda i: client.get("/api/v1/conversations?limit=50", headers=staff)),
        "detail_ms": _time(lambda i: client.get(f"/api/v1/conversations/{first}", headers=staff)),
        "refused_ms": _time(
            lambda i: client.post(
                f"/api/v1/conversations/{first}/turns", headers=staff, content=b"x" * 1_100_000
            )  # fmt: skip
        ),
        "conversations": len(chats),
        "turns_per_conversation": 10,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
