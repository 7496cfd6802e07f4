"""Role-play: how long a simulated customer's turn takes offline (target <= 50 ms on this machine).

Two figures: the whole step (the trainee's reply read by the live analysis, the mood moved, the next
message composed) and the customer's part alone (mood and phrasing, the reading already done).
Scripted trainees from the tests play every shipped scenario; the models are warmed first.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from tests.analysis.roleplay.trainees import GOOD, POOR

from calmdesk.analysis.roleplay import Session, default_scenarios
from calmdesk.analysis.roleplay.mood import move
from calmdesk.analysis.roleplay.voice import compose, rng_for

ROUNDS = 5


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def run() -> dict[str, Any]:
    scenarios = default_scenarios()
    Session(scenarios[0]).reply(GOOD[scenarios[0].id][0])  # load the models once
    steps: list[float] = []
    customer: list[float] = []
    for r in range(ROUNDS):
        for scenario in scenarios:
            for script in (GOOD[scenario.id], POOR):
                session = Session(scenario, seed=r)
                for text in script:
                    if session.finished:
                        break
                    start = time.perf_counter()
                    session.reply(text)
                    steps.append((time.perf_counter() - start) * 1000)
                    st = session.steps[-1]
                    start = time.perf_counter()
                    move(scenario, st.before, st.reading, len(session.steps))
                    compose(["repeat"], scenario, rng_for(scenario.id, r, len(session.steps)))
                    customer.append((time.perf_counter() - start) * 1000)
    return {
        "turns": len(steps),
        "step_ms": {
            "p50": _pct(steps, 0.5),
            "p99": _pct(steps, 0.99),
            "mean": round(statistics.fmean(steps), 2),
        },
        "customer_only_ms": {"p50": _pct(customer, 0.5), "p99": _pct(customer, 0.99)},
        "target_ms": 50,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
