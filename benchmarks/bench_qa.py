"""Speed, scale and a dev check of `calmdesk qa` (docs/qa.md).

* throughput: `calmdesk qa` (a fresh process, as a user runs it) over a file of conversations
  whose turns carry stored analyses (made once with the real models, then repeated under new
  ids): turns per second of wall time, start-up included; and the library path alone;
* dask: the same job on a local Dask cluster of 1 worker, then 2 workers (clusters started and
  warmed up before timing): speed-up of 2 over 1;
* memory: peak RSS of `calmdesk qa` (sampled every 50 ms) over generated files of growing size;
  the target is a 1,000,000-turn file (`QA_BENCH_BIG_TURNS`, default 200,000 on the shared
  development machine);
* memory and rate at scale: `calmdesk qa` over generated files of growing size, each written
  streaming to disk: peak RSS, seconds and turns per second;
* dev check against human judgement: `tests/data/labelled/qa_conversations.jsonl`, whole
  conversations written by hand for this project, each judged 1-5 for how it went for the
  customer, with a fixed dev/test split (odd-numbered ids dev): Spearman correlation of the QA
  score with the judgement on the dev split only (the test split is held out);
* the older smoke check on `benchmarks/data/qa_dev.jsonl` (labelled by the rubric's author).

Run: `python -m benchmarks.run qa` (writes results/qa.json).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from calmdesk.analysis import analysis_record, analyze_many
from calmdesk.analysis.qa import parse_qa_line
from calmdesk.analysis.reply import default_playbook
from calmdesk.analysis.wire import conversation_from_json
from calmdesk.batch.qa import numbered_lines, run_in_process
from calmdesk.config import Settings

HERE = Path(__file__).resolve().parent
DEV = HERE / "data" / "qa_dev.jsonl"
ROOT = HERE.parent
LABELLED = ROOT / "tests" / "data" / "labelled" / "qa_conversations.jsonl"


def _stored_templates() -> list[dict[str, Any]]:
    """The dev conversations with the analysis of every turn merged in (real models), and each
    agent and bot turn's review, as a desk stores them when the reply is sent (`turns.review`,
    which `calmdesk qa --db` reuses): `calmdesk qa` then analyses and reviews nothing again."""
    raws = [json.loads(line) for line in DEV.read_text("utf-8").splitlines()]
    conversations = [conversation_from_json(r) for r in raws]
    book = default_playbook()
    out = []
    for raw, conv, analysis in zip(raws, conversations, analyze_many(conversations), strict=True):
        record = analysis_record(analysis)
        turns = [
            dict(t, signals=_with_review(conv, analysis, i, a["signals"], book))
            for i, (t, a) in enumerate(zip(raw["turns"], record["turns"], strict=True))
        ]
        out.append({"id": raw["id"], "trend": record["trend"],
                    "escalation_risk": record["escalation_risk"], "turns": turns})  # fmt: skip
    return out


def _with_review(
    conversation: Any, analysis: Any, i: int, signals: dict[str, Any], book: Any
) -> dict[str, Any]:
    """An agent or bot turn's stored signals with its review (what the desk stored at sending)."""
    from calmdesk.analysis.reply import review_draft
    from calmdesk.domain.serialize import to_jsonable

    turn = conversation.turns[i]
    if turn.role.value == "customer" or not turn.text.strip():
        return signals
    review = review_draft(
        turn.text, conversation.turns[:i], analysis.turns[:i],
        politeness=signals.get("politeness"), now=turn.at, config=book,
    )  # fmt: skip
    return dict(signals, review=to_jsonable(review))


def _write(path: Path, templates: list[dict[str, Any]], turns: int) -> tuple[int, int]:
    """Repeat the templates under new ids until `turns` turns; (conversations, turns) written."""
    written = n = 0
    encoded = [(t["id"], json.dumps(t, ensure_ascii=False)) for t in templates]
    with path.open("w", encoding="utf-8") as handle:
        while written < turns:
            cid, text = encoded[n % len(encoded)]
            handle.write(text.replace(f'"id": "{cid}"', f'"id": "{cid}-{n}"', 1) + "\n")
            written += len(templates[n % len(templates)]["turns"])
            n += 1
    return n, written


def _cli(path: Path, *args: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of `calmdesk qa FILE` in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "calmdesk.cli", "qa", "--no-progress", *args, str(path)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    watched, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            peak = max(peak, sum(p.memory_info().rss for p in [watched, *watched.children(True)]))
        except psutil.Error:
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "qa failed")
    return elapsed, peak


def _library(path: Path) -> float:
    settings, book = Settings(), default_playbook()
    start = time.perf_counter()
    with path.open("rb") as handle:
        for _ in run_in_process(numbered_lines(handle), settings, book):
            pass
    return time.perf_counter() - start


def _dask(path: Path, workers: int) -> float:
    from calmdesk.batch.cluster import cluster_client, run_on_cluster

    settings, book = Settings(), default_playbook()
    with cluster_client(workers=workers) as client:
        with path.open("rb") as handle:  # warm-up: imports and the playbook on every worker
            for _ in run_on_cluster(client, _head(numbered_lines(handle), 64), settings, book):
                pass
        start = time.perf_counter()
        with path.open("rb") as handle:
            for _ in run_on_cluster(client, numbered_lines(handle), settings, book, as_text=True):
                pass
        return time.perf_counter() - start


def _head(lines: Iterator[Any], n: int) -> Iterator[Any]:
    for i, line in enumerate(lines):
        if i >= n:
            return
        yield line


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _spearman(a: list[float], b: list[float]) -> float:
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb)


def dev_check() -> dict[str, Any]:
    from calmdesk.analysis.qa import score_conversation

    raws = [json.loads(line) for line in DEV.read_text("utf-8").splitlines()]
    items = [parse_qa_line(json.dumps(r)) for r in raws]
    analyses = analyze_many([i.conversation for i in items])
    cards = [score_conversation(i.conversation, a) for i, a in zip(items, analyses, strict=True)]
    labels = [float(r["label"]) for r in raws]
    scores = [float(c.score) for c in cards]
    judged = [(r["recovered"], c.outcome["recovered"]) for r, c in zip(raws, cards, strict=True)]
    return {
        "conversations": len(raws),
        "spearman_score_vs_label": round(_spearman(scores, labels), 3),
        "recovered_agreement": f"{sum(a == b for a, b in judged)}/{len(judged)}",
        "per_conversation": {
            r["id"]: [r["label"], c.score] for r, c in zip(raws, cards, strict=True)
        },
    }


def labelled_check(split: str = "dev") -> dict[str, Any]:
    """Spearman correlation of the QA score with the human judgement on one split."""
    from calmdesk.analysis.qa import score_conversation

    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines() if line]
    rows = [r for r in rows if r["split"] == split]
    items = [parse_qa_line(json.dumps({"id": r["id"], "turns": r["turns"]})) for r in rows]
    analyses = analyze_many([i.conversation for i in items])
    cards = [score_conversation(i.conversation, a) for i, a in zip(items, analyses, strict=True)]
    judged = [float(r["judgement"]) for r in rows]
    scores = [float(c.score) for c in cards]
    return {
        "split": split,
        "conversations": len(rows),
        "spearman_score_vs_judgement": round(_spearman(scores, judged), 3),
        "per_conversation": {
            r["id"]: [r["judgement"], c.score] for r, c in zip(rows, cards, strict=True)
        },
    }


def run() -> dict[str, Any]:
    templates = _stored_templates()
    big = int(os.environ.get("QA_BENCH_BIG_TURNS", "200000"))
    out: dict[str, Any] = {"load_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.jsonl"
        convs, turns = _write(small, templates, 20_000)
        wall, _ = _cli(small)
        lib = _library(small)
        out["throughput"] = {
            "conversations": convs, "turns": turns,
            "cli_turns_per_s": round(turns / wall), "cli_seconds": round(wall, 2),
            "library_turns_per_s": round(turns / lib), "target_turns_per_s": 1000,
        }  # fmt: skip
        one, two = _dask(small, 1), _dask(small, 2)
        out["dask"] = {
            "turns": turns, "one_worker_s": round(one, 2), "two_workers_s": round(two, 2),
            "speedup": round(one / two, 2), "target_speedup": 1.7,
        }  # fmt: skip
        memory = {}
        for size in sorted({20_000, big // 4, big}):
            path = Path(tmp) / f"big-{size}.jsonl"
            convs, turns = _write(path, templates, size)
            wall, peak = _cli(path)
            size_mb = round(path.stat().st_size / 2**20, 1)
            memory[str(turns)] = {
                "conversations": convs, "seconds": round(wall, 1),
                "turns_per_s": round(turns / wall), "peak_rss_mb": round(peak / 2**20, 1),
                "file_mb": size_mb,
            }  # fmt: skip
            path.unlink()
        out["memory"] = memory
    out["labelled_dev_check"] = labelled_check("dev")
    out["dev_check"] = dev_check()
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
