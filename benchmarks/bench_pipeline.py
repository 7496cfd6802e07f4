"""Speed of the conversation pipeline with the real encoder and heads.

* latency: one new customer turn with 5 turns of context, the context already analysed once
  (as in the console, where earlier turns were seen before); p50/p99 over distinct cases;
* batch: `analyze_many` over N conversations of 4 turns, every text distinct, turns per second
  of wall time: mixed (2 customer + 2 agent turns, agents reviewed) and customer turns only;
* cold start: a fresh process importing calmdesk and answering one `analyze_text`.

Customer texts are real messages from ../shared/data (complaints tweets, bitext utterances),
read at run time and never stored. Run: `python -m benchmarks.bench_pipeline [N]` (prints JSON).
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from calmdesk.analysis import analyze_conversation, analyze_many
from calmdesk.config import default_data_dir
from calmdesk.domain import Conversation, Role, Turn

_AGENT = (
    "I'm sorry about this. Could you send me your order number so I can check?",
    "Thanks for waiting. I have asked the courier and will update you by 5pm today.",
    "I understand how frustrating this is. I can offer a replacement or a refund.",
    "I've escalated this to my supervisor, who will call you tomorrow morning.",
)


def customer_texts(data_dir: Path | None = None) -> list[str]:
    """Real customer messages: complaints tweets then bitext utterances."""
    root = data_dir or default_data_dir()
    texts: list[str] = []
    for path in (root / "complaints" / "complaints.csv", root / "bitext" / "utterances_20k.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def conversations(
    texts: list[str], n: int, turns: int = 4, agents: bool = True
) -> Iterator[Conversation]:
    """n conversations alternating customer and agent turns (or customers only), texts distinct."""
    k = 0
    for i in range(n):
        made = []
        for j in range(turns):
            if j % 2 == 0 or not agents:
                text, k = f"{texts[k % len(texts)]} (#{i})", k + 1
                made.append(Turn(Role.CUSTOMER, text))
            else:
                made.append(Turn(Role.AGENT, f"{_AGENT[(i + j) % len(_AGENT)]} Ref {i}-{j}."))
        yield Conversation(str(i), tuple(made))


def latency(texts: list[str], cases: int = 100) -> dict[str, float]:
    """Milliseconds to analyse a 6-turn conversation whose first 5 turns were analysed before."""
    timings: list[float] = []
    for convo in conversations(texts[5000:], cases, turns=5):
        analyze_conversation(convo)
        new_turn = Turn(Role.CUSTOMER, f"{texts[len(timings) % 2000]} and still nothing!")
        grown = Conversation(convo.id, (*convo.turns, new_turn))
        start = time.perf_counter()
        analyze_conversation(grown)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
        "cases": cases,
    }


def batch(texts: list[str], n: int, agents: bool = True) -> dict[str, float]:
    """Turns per second over n 4-turn conversations, all texts new to the process."""
    start = time.perf_counter()
    done = sum(len(r.turns) for r in analyze_many(conversations(texts, n, agents=agents)))
    seconds = time.perf_counter() - start
    return {
        "conversations": n,
        "turns": done,
        "seconds": round(seconds, 2),
        "turns_per_s": round(done / seconds, 1),
    }


def cold_start() -> float:
    """Seconds for a new process to import calmdesk and analyse one message."""
    code = "from calmdesk.analysis import analyze_text; analyze_text('where is my parcel?!')"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))
    return round(time.perf_counter() - start, 2)


def run(n: int = 500) -> dict[str, Any]:
    texts = customer_texts()
    cold = cold_start()
    analyze_conversation(next(conversations(texts[-10:], 1)))  # load the models first
    return {
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cold_start_s": cold,
        "latency_one_turn_in_context": latency(texts),
        "batch_mixed": batch(texts, n),
        "batch_customer_only": batch(texts[::-1], n, agents=False),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 500), indent=2))
