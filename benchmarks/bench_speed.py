"""Speed and memory: one customer turn in context, batch throughput, peak memory, cold start.

* latency: `analyze_conversation` on a conversation of 5 earlier turns (already seen, as in a
  live chat where each new message re-sends the thread) plus one new customer turn; p50/p99 over
  distinct new turns; also the encoder + heads alone on one text;
* throughput: `analyze_many` over conversations of 5 new turns each (nothing cached), turns/s,
  the CPU seconds it took (all threads; on a shared machine turns per CPU second says more than
  wall time), and the encoder + heads alone on the same texts (the multilingual encoder, which
  every head reads);
* processes: `analyze_many` in one process (`processes=1`, with its CPU seconds), then as it
  runs by default (a helper process for an input of more than one batch where a core is free:
  `processes_by_default` says which), then with the helper asked for (`processes=2`), first
  starting it, then once more with it loaded;
* peak memory: the largest resident set of the measuring process (a fresh subprocess);
* cold start: a fresh `python` that imports calmdesk and analyses one message, wall time;
* long runs (`long`): 12,000 turns (2,400 conversations of 5 turns) through one `analyze_many`
  call as run by default, in a fresh process with the models loaded, then 12,000 other turns
  through a second call; and the same kind of 12,000 turns through the real `calmdesk analyze
  FILE --format json --no-progress` command in a fresh subprocess (wall time from start to
  exit: start-up, model loading and the helper's start included), then with its progress bar
  (`--progress`, stderr to a pipe). Each says how many processes the default chose.
Texts are real customer-support utterances (Bitext) when the data folder is there.

Run: `python -m benchmarks.bench_speed` (prints JSON; `--long` or `--cli` measures only that long
run); `run()` returns the dict.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

LATENCY_RUNS = 300
BATCH_TURNS = 3000
LONG_TURNS = 12_000
COLD_RUNS = 3
COLD_CODE = (
    "from calmdesk.analysis.pipeline import analyze_text; "
    "analyze_text('Where is my order? It is two weeks late and nobody answers!')"
)


def _texts(n: int) -> list[str]:
    from calmdesk.config import default_data_dir
    from calmdesk.training import data as d

    try:
        pool = d.bitext(default_data_dir()).texts
    except Exception:  # data folder absent: synthetic but varied texts
        pool = [f"order {i} is late, please refund the {i % 7} items" for i in range(n)]
    unique = sorted(set(pool), key=lambda t: d.fold_of(t, 1_000_003))
    return [f"{unique[i % len(unique)]} ({i})" for i in range(n)]


def _conversation(cid: str, texts: list[str]) -> Any:
    from calmdesk.domain import Conversation, Role, Turn

    roles = [Role.CUSTOMER if i % 2 == 0 else Role.AGENT for i in range(len(texts))]
    roles[-1] = Role.CUSTOMER
    return Conversation(cid, tuple(Turn(r, t) for r, t in zip(roles, texts, strict=True)))


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def _latency(texts: list[str]) -> dict[str, Any]:
    from calmdesk.analysis import heads
    from calmdesk.analysis.language import encoder
    from calmdesk.analysis.pipeline import analyze_conversation

    context = texts[:5]
    analyze_conversation(_conversation("warm", [*context, texts[5]]))
    turn, alone = [], []
    for i in range(LATENCY_RUNS):
        new = texts[6 + i]
        start = time.perf_counter()
        analyze_conversation(_conversation(f"c{i}", [*context, new]))
        turn.append(time.perf_counter() - start)
        other = texts[6 + LATENCY_RUNS + i]
        start = time.perf_counter()
        heads.predict([other], encoder.encode([other]))
        alone.append(time.perf_counter() - start)
    return {"turn_in_context": _percentiles(turn), "encoder_and_heads": _percentiles(alone)}


def _throughput(texts: list[str], one_process: list[str]) -> dict[str, float]:
    from calmdesk.analysis import heads
    from calmdesk.analysis.language import encoder
    from calmdesk.analysis.pipeline import analyze_many

    pipeline_texts, model_texts = texts[:BATCH_TURNS], texts[BATCH_TURNS : 2 * BATCH_TURNS]
    alone = [_conversation(f"a{i}", one_process[i : i + 5]) for i in range(0, BATCH_TURNS, 5)]
    start, cpu = time.perf_counter(), time.process_time()
    for _ in analyze_many(alone, processes=1):
        pass
    one_rate = BATCH_TURNS / (time.perf_counter() - start)
    cpu_seconds = time.process_time() - cpu
    conversations = [
        _conversation(f"b{i}", pipeline_texts[i : i + 5]) for i in range(0, BATCH_TURNS, 5)
    ]
    start = time.perf_counter()
    for _ in analyze_many(conversations):  # the default: a helper for more than one batch
        pass
    pipeline_rate = BATCH_TURNS / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(0, BATCH_TURNS, 512):
        chunk = model_texts[i : i + 512]
        heads.predict(chunk, encoder.encode(chunk))
    model_rate = BATCH_TURNS / (time.perf_counter() - start)
    return {
        "pipeline_turns_per_s": round(pipeline_rate, 1),
        "one_process_turns_per_s": round(one_rate, 1),
        "one_process_cpu_s": round(cpu_seconds, 2),
        "one_process_turns_per_cpu_s": round(BATCH_TURNS / cpu_seconds, 1),
        "one_process_cpu_ms_per_turn": round(1000 * cpu_seconds / BATCH_TURNS, 3),
        "models_turns_per_s": round(model_rate, 1),
    }


def _two_processes(texts: list[str], tag: str) -> tuple[float, int]:
    """`analyze_many` with the helper process asked for (`processes=2`): the first call starts
    it (unless the default run did), the second finds it loaded (a long `calmdesk analyze`).
    Turns a second, and the pieces of work the helper read."""
    from calmdesk.analysis import helper
    from calmdesk.analysis.pipeline import analyze_many

    conversations = [_conversation(f"{tag}{i}", texts[i : i + 5]) for i in range(0, len(texts), 5)]
    worker = helper.helper()
    sent = worker.sent if worker is not None else 0
    start = time.perf_counter()
    turns = sum(len(a.turns) for a in analyze_many(conversations, processes=2))
    rate = round(turns / (time.perf_counter() - start), 1)
    return rate, (worker.sent - sent if worker is not None else 0)


def measure() -> dict[str, Any]:
    """The in-process measurements (run in a fresh subprocess by `run`)."""
    from calmdesk.analysis.helper import processes

    n = 2 * LATENCY_RUNS + 10
    texts = _texts(n + 5 * BATCH_TURNS)
    latency_texts, batch_texts = texts[:n], texts[n : n + 2 * BATCH_TURNS]
    out: dict[str, Any] = {"latency": _latency(latency_texts)}
    out["processes_by_default"] = processes()  # what the default run below uses
    end = n + 3 * BATCH_TURNS
    out["throughput"] = _throughput(batch_texts, texts[n + 2 * BATCH_TURNS : end])
    cold, cold_pieces = _two_processes(texts[end : end + BATCH_TURNS], "c")
    out["throughput"]["two_processes_first_turns_per_s"] = cold
    warm, warm_pieces = _two_processes(texts[end + BATCH_TURNS :], "w")
    out["throughput"]["two_processes_warm_turns_per_s"] = warm
    out["throughput"]["helper_pieces_first_warm"] = [cold_pieces, warm_pieces]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def cold_start() -> dict[str, float]:
    """Wall seconds of a fresh interpreter: import calmdesk and analyse one message."""
    runs = []
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD_CODE], check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(runs), 2), "min_s": round(min(runs), 2)}


def _long_texts() -> list[str]:
    """Texts for the long runs: after those `measure` uses, so nothing is cached from them."""
    start = 2 * LATENCY_RUNS + 10 + 5 * BATCH_TURNS
    return _texts(start + 2 * LONG_TURNS)[start:]


def measure_long() -> dict[str, Any]:
    """Two `analyze_many` calls of `LONG_TURNS` turns each, as run by default, in this (fresh)
    process once the models are loaded: turns a second, CPU seconds of this process, and the
    pieces the helper read."""
    from calmdesk.analysis import helper
    from calmdesk.analysis.pipeline import analyze_many, analyze_text

    texts = _long_texts()
    analyze_text("Warm up: where is my parcel?")  # the models load outside the timing
    out: dict[str, Any] = {}
    for call, tag in enumerate(("first", "second")):
        out[f"{tag}_call_processes_by_default"] = helper.processes(measure=True)
        part = texts[call * LONG_TURNS : (call + 1) * LONG_TURNS]
        conversations = [
            _conversation(f"{tag}{i}", part[i : i + 5]) for i in range(0, LONG_TURNS, 5)
        ]
        worker = helper.running()
        sent = worker.sent if worker is not None else 0
        start, cpu = time.perf_counter(), time.process_time()
        turns = sum(len(a.turns) for a in analyze_many(conversations))
        wall = time.perf_counter() - start
        worker = helper.running()
        out[f"{tag}_call_turns_per_s"] = round(turns / wall, 1)
        out[f"{tag}_call_cpu_s"] = round(time.process_time() - cpu, 2)
        out[f"{tag}_call_helper_pieces"] = (worker.sent - sent) if worker is not None else 0
    return out


def write_long_input(path: Path, texts: list[str]) -> int:
    """`texts` as JSON Lines conversations of 5 turns (customer, agent, customer, agent,
    customer) for `calmdesk analyze`; the number of turns written."""
    roles = ("customer", "agent", "customer", "agent", "customer")
    with path.open("w", encoding="utf-8") as handle:
        for i in range(0, len(texts), 5):
            turns = [{"role": r, "text": t} for r, t in zip(roles, texts[i : i + 5], strict=False)]
            handle.write(json.dumps({"id": f"long{i}", "turns": turns}) + "\n")
    return len(texts)


def cli_long() -> dict[str, Any]:
    """The real `calmdesk analyze` command over `LONG_TURNS` turns in a fresh subprocess, wall
    time from start to exit (start-up, models, the helper's start and the output included),
    without and then with the progress bar. The output is checked: one record a line."""
    from calmdesk.analysis import helper

    out: dict[str, Any] = {"processes_by_default": helper.processes(measure=True)}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "long.jsonl"
        turns = write_long_input(source, _long_texts()[:LONG_TURNS])
        lines = turns // 5
        for label, flag in (("no_progress", "--no-progress"), ("progress", "--progress")):
            command = [sys.executable, "-m", "calmdesk.cli", "analyze", str(source)]
            start = time.perf_counter()
            done = subprocess.run(
                [*command, "--format", "json", flag], check=True, capture_output=True
            )
            wall = time.perf_counter() - start
            written = done.stdout.count(b"\n")
            if written != lines:
                raise RuntimeError(f"calmdesk analyze wrote {written} lines for {lines}")
            out[f"{label}_turns_per_s"] = round(turns / wall, 1)
            out[f"{label}_wall_s"] = round(wall, 2)
    out["turns"] = LONG_TURNS
    return out


def run() -> dict[str, Any]:
    """Speed figures, measured in fresh subprocesses, cold start, and the long runs."""
    out: dict[str, Any] = {"kind": "speed", "cpu_count": os.cpu_count()}
    out["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    out |= _child("--child")
    out["cold_start"] = cold_start()
    out["long_run"] = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    out["long_run"]["analyze_many"] = _child("--long")
    out["long_run"]["cli"] = cli_long()
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


def _child(flag: str) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_speed", flag],
        check=True,
        capture_output=True,
        text=True,
    )
    found: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return found


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(measure()))
    elif "--long" in sys.argv:
        print(json.dumps(measure_long()))
    elif "--cli" in sys.argv:
        print(json.dumps(cli_long()))
    else:
        print(json.dumps(run()))
