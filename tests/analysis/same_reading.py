"""A fixed, varied sample of conversations and what the analysis read in them, to the last digit.

The speed work must not change what the analysis reads. `sample()` builds conversations from the
project's labelled sets (English and ten other languages; customer, agent and bot turns; texts that
come back as another role; empty and over-long turns); `snapshot()` is the analysis of each in full
precision (no rounding). `tests/data/same_reading.json` holds the inputs, the snapshot and the
fingerprint of the model files it was recorded with.

Re-record only when the models themselves change (a new encoder or retrained heads), never to make
a speed change pass:
    PYTHONPATH=src python tests/analysis/same_reading.py --record
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "same_reading.json"
LABELLED = ROOT / "tests" / "data" / "labelled"
MODEL_FILES = ("heads.npz", "customer_heads.npz", "customer_signals.npz", "reply_heads.npz")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
TOLERANCE = 1e-5
"""Float32 sums of the encoder depend a little on what the process read before (its piece cache's
order): a value of a few units was seen 1.07e-6 away from the recording after other tests."""


def _rows(name: str) -> list[dict[str, Any]]:
    with (LABELLED / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _turn(role: str, text: str, minute: int | None) -> dict[str, Any]:
    turn: dict[str, Any] = {"role": role, "text": text}
    if minute is not None:
        turn["at"] = (START + timedelta(minutes=minute)).isoformat()
    return turn


def sample() -> list[dict[str, Any]]:
    """About 60 conversations in the `calmdesk analyze` input shape, the same on every call."""
    customers, replies = _rows("customer_messages.jsonl"), _rows("agent_replies.jsonl")
    foreign = [c for c in customers if c["language"] != "en"]
    english = [c for c in customers if c["language"] == "en"]
    out: list[dict[str, Any]] = []
    for i in range(40):  # a reply in its context, then the customer again, sometimes a bot
        reply = replies[(i * 41) % len(replies)]
        later = (foreign if i % 3 == 0 else english)[(i * 17) % (len(foreign) - 1)]
        turns = [_turn("customer", t, 2 * k) for k, t in enumerate(reply["context"])]
        turns.append(_turn("agent", reply["reply"], 2 * len(turns) + 1))
        turns.append(_turn("customer", later["text"], 2 * len(turns) + 3))
        if i % 4 == 1:
            turns.insert(0, _turn("bot", "Hi! I'm the help bot. What can I do for you?", None))
        if i % 5 == 2:
            turns.append(_turn("agent", replies[(i * 7 + 3) % len(replies)]["reply"], 60))
        out.append({"id": f"same-reading-r{i}", "turns": turns})
    for i in range(16):  # customers alone, every language, some without times
        picks = [foreign[(i * 5 + k) % len(foreign)]["text"] for k in range(2)]
        picks.insert(1, english[(i * 11) % len(english)]["text"])
        minute = None if i % 2 else 0
        turns = [_turn("customer", t, None if minute is None else k) for k, t in enumerate(picks)]
        out.append({"id": f"same-reading-c{i}", "turns": turns})
    # one text as an agent turn and as a customer turn of the same batch, an empty customer turn,
    # a turn over the length limit, and an agent who only answers a bot
    echo = replies[5]["reply"]
    out.append(
        {
            "id": "same-reading-echo",
            "turns": [
                _turn("customer", echo, 0),
                _turn("customer", "   ", 1),
                _turn("agent", english[3]["text"], 2),
                _turn("customer", "HELLO?? " * 900, 3),
            ],
        }
    )
    out.append(
        {
            "id": "same-reading-bot",
            "turns": [
                _turn("bot", english[3]["text"], 0),
                _turn("agent", echo, 1),
                _turn("bot", foreign[2]["text"], 2),
            ],
        }
    )
    return out


def plain(obj: Any) -> Any:
    """A dataclass tree as JSON values, floats unrounded."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    return obj


def snapshot(analyses: Any) -> list[Any]:
    return [plain(a) for a in analyses]


def fingerprint() -> dict[str, str]:
    """sha256 of every model file the reading depends on (the snapshot holds only for these):
    the heads and the sentence encoder's module (the multilingual one reads every text; the
    all-MiniLM encoder and its tokenizer serve the bot and the knowledge base only)."""
    from calmdesk.analysis.language import encoder

    models = ROOT / "src" / "calmdesk" / "analysis" / "models"
    files = {name: models / name for name in MODEL_FILES}
    files["encoder"] = Path(encoder.__file__)
    return {name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for name, p in files.items()}


ACROSS_PROCESSES = 1.5e-4
"""Two processes reading the same batch: float32 sums can differ in the last bits with what
each process read before, and a value rounded to 4 decimals (a confidence) can then move by
one unit; everything else must be the same."""


def differences(got: Any, want: Any, where: str = "$", tolerance: float = TOLERANCE) -> list[str]:
    """Paths where `got` differs from `want` (floats within `tolerance` are the same)."""
    if isinstance(want, float) or isinstance(got, float):
        ok = isinstance(got, int | float) and isinstance(want, int | float)
        return [] if ok and abs(got - want) <= tolerance else [f"{where}: {got!r} != {want!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        if got.keys() != want.keys():
            return [f"{where}: keys {sorted(got)} != {sorted(want)}"]
        return [d for k in want for d in differences(got[k], want[k], f"{where}.{k}", tolerance)]
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} items != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in
                differences(g, w, f"{where}[{i}]", tolerance)]  # fmt: skip
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


def record() -> None:
    from calmdesk.analysis.pipeline import analyze_many
    from calmdesk.analysis.wire import conversation_from_json

    conversations = sample()
    analyses = analyze_many([conversation_from_json(c) for c in conversations])
    data = {"models": fingerprint(), "conversations": conversations, "analyses": snapshot(analyses)}
    FIXTURE.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        raise SystemExit(__doc__)
    record()
