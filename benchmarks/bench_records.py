"""Records measured: the cost of keeping the record, without the analysis.

On a SQLite file in a temporary folder on the real disk (WAL, synchronous=FULL: every commit is
synced, as in production), with an analyzer that returns fixed signals so only storage, rules,
audit and timers are timed:

* `post_customer_turn_ms`: p50/p99 of `add_customer_turn` (turn, signals, queue summary, rules,
  response timer, audit row) in conversations of up to 10 turns;
* `idempotent_repost_ms`: p50/p99 of posting again with a key already stored;
* `send_agent_reply_ms`: p50/p99 of `send_agent_reply` including the real `review_draft`;
* `timers_fired_per_s`: due reminders fired by `fire_due_timers` (claim + effect + audit each);
* `seed_s`: loading the 30-conversation demo set through the actions (fixed signals).

Run: `python -m benchmarks.bench_records` (prints JSON); `run()` returns the same dict.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.fixed_signals import FixedSignals
from calmdesk.actions import (
    ActionContext,
    Actor,
    add_customer_turn,
    create_customer,
    fire_due_timers,
    open_conversation,
    send_agent_reply,
)
from calmdesk.config import Settings
from calmdesk.demo import seed_demo
from calmdesk.storage import make_engine, make_session_factory, upgrade

SYSTEM = Actor.system("bench")
REPLY = "I'm sorry about the wait. I will send you the tracking link by tomorrow 5pm."
CONVERSATIONS = 40
TURNS = 10


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "p50": round(statistics.median(ordered) * 1000, 2),
        "p99": round(p99 * 1000, 2),
        "n": len(ordered),
    }


def _timed(into: list[float], call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    result = call(*args, **kwargs)
    into.append(time.perf_counter() - start)
    return result


def _context(folder: Path) -> ActionContext:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    return ActionContext(
        make_session_factory(make_engine(url)), Settings(), FixedSignals(real_review=True)
    )


def _posting(ctx: ActionContext) -> dict[str, Any]:
    customer = create_customer(ctx, SYSTEM, name="Bench Customer")
    posts: list[float] = []
    reposts: list[float] = []
    replies: list[float] = []
    for n in range(CONVERSATIONS):
        conv = open_conversation(ctx, SYSTEM, customer_id=customer.id, channel="email")
        for turn in range(TURNS // 2):
            key = f"{n}-{turn}"
            text = f"Order {1000 + n} still has not arrived, this is message {turn}."
            for into in (posts, reposts):
                _timed(into, add_customer_turn, ctx, SYSTEM, conv.id, text, idempotency_key=key)
            _timed(replies, send_agent_reply, ctx, SYSTEM, conv.id, REPLY)
    return {
        "post_customer_turn_ms": _ms(posts),
        "idempotent_repost_ms": _ms(reposts),
        "send_agent_reply_ms": _ms(replies),
    }


def _timers(ctx: ActionContext) -> dict[str, Any]:
    later = ctx.now() + timedelta(days=3)
    start = time.perf_counter()
    fired = fire_due_timers(ctx, later, limit=100_000)
    elapsed = time.perf_counter() - start
    return {"timers_fired": fired, "timers_fired_per_s": round(fired / elapsed, 1)}


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="calmdesk-bench-", dir=Path.cwd()) as tmp:
        ctx = _context(Path(tmp))
        result: dict[str, Any] = {"database": "sqlite file, WAL, synchronous=FULL"}
        result.update(_posting(ctx))
        result.update(_timers(ctx))
        seeded = _context(Path(tmp) / "seed")
        start = time.perf_counter()
        seed_demo(seeded)
        result["seed_s"] = round(time.perf_counter() - start, 2)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
