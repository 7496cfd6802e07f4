"""The labelled whole conversations of the QA dev check (`benchmarks/bench_qa.py`): a valid
analyze-contract line each, a human judgement 1-5, and the fixed split (odd ids dev)."""

from __future__ import annotations

import json
from pathlib import Path

from calmdesk.analysis.qa import parse_qa_line

DATA = Path(__file__).resolve().parents[2] / "data" / "labelled" / "qa_conversations.jsonl"


def test_labelled_conversations_follow_the_contract_and_the_split() -> None:
    rows = [json.loads(line) for line in DATA.read_text("utf-8").splitlines() if line]
    assert len(rows) >= 30 and len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["judgement"] in (1, 2, 3, 4, 5)
        number = int(row["id"].removeprefix("lab-"))
        assert row["split"] == ("dev" if number % 2 else "test")
        item = parse_qa_line(json.dumps({"id": row["id"], "turns": row["turns"]}))
        assert item.conversation.turns and {t["role"] for t in row["turns"]} <= {
            "customer", "agent", "bot"
        }  # fmt: skip
    for split in ("dev", "test"):
        judged = {r["judgement"] for r in rows if r["split"] == split}
        assert judged == {1, 2, 3, 4, 5}, f"{split} covers every judgement"
