"""A tiny hand-written copy of the shared data's layout, for training code tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ANGRY = [
    "I am furious, this is the worst service ever",
    "You people are useless and I am so angry",
    "This makes me so mad, nobody ever answers",
    "Absolutely livid that my order is late again",
]
HAPPY = [
    "Thank you so much, that solved it",
    "Great help, I really appreciate it",
    "Wonderful, thanks for the quick fix",
    "I love how fast you sorted this out",
]
SAD = [
    "I am so disappointed and sad about this",
    "It is heartbreaking that the gift never came",
    "Feeling really let down and sad",
    "This was my last hope and it failed, so sad",
]
NEUTRAL = [
    "What time do you open on Monday",
    "My account number is on the invoice",
    "Where can I find the manual",
    "Is the store on Main Street",
]
RUDE = ["you stupid idiots", "shut up you morons", "what a pathetic bunch of losers", "idiots"]
POLITE = [
    "Could you please help me with this? Thank you",
    "Would you mind checking my order, please",
    "Thanks a lot, could you kindly look again",
    "I would be grateful if you could help",
]
COMPLAINTS = [
    "My parcel never arrived and nobody answers",
    "You charged me twice for one order",
    "The phone broke after one day",
    "Still no refund after three weeks",
]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _goemotions(root: Path) -> None:
    labelled = [(t, "anger") for t in ANGRY] + [(t, "gratitude;joy") for t in HAPPY]
    labelled += [(t, "sadness") for t in SAD] + [(t, "neutral") for t in NEUTRAL]
    labelled += [("I am worried it will never come", "nervousness")]
    labelled += [("I do not understand the bill", "confusion")]
    labelled += [("This is a bit annoying", "annoyance")]
    for split in ("train", "dev"):
        rows = [[f"g{i}", t, y, "0", split] for i, (t, y) in enumerate(labelled)]
        _write(
            root / "goemotions" / f"{split}.csv",
            ["id", "text", "label", "label_ids", "split"],
            rows,
        )


def _tweeteval(root: Path) -> None:
    emo = (
        [(t, "anger") for t in ANGRY] + [(t, "joy") for t in HAPPY] + [(t, "sadness") for t in SAD]
    )
    emo += [("Tomorrow will be better, I just know it", "optimism")] * 2
    off = [(t, "offensive") for t in RUDE] + [(t, "not-offensive") for t in NEUTRAL + HAPPY]
    hate = [(t, "hate") for t in RUDE] + [(t, "not-hate") for t in NEUTRAL]
    for task, rows in (("emotion", emo), ("offensive", off), ("hate", hate)):
        for split in ("train", "val"):
            body = [[t, y, "0", split] for t, y in rows]
            _write(
                root / "tweeteval" / task / f"{split}.csv",
                ["text", "label", "label_id", "split"],
                body,
            )


def _others(root: Path) -> None:
    header = ["id", "text", "label", "domain", "split"]
    rows = [[f"c{i}", t, "complaint", "x", "all"] for i, t in enumerate(COMPLAINTS * 2)]
    rows += [[f"n{i}", t, "not_complaint", "x", "all"] for i, t in enumerate(NEUTRAL + HAPPY)]
    _write(root / "complaints" / "complaints.csv", header, rows)
    header = ["id", "community", "text", "score", "label", "scores_raw", "split"]
    polite = [[f"p{i}", "w", t, "1", "polite", "", "all"] for i, t in enumerate(POLITE * 2)]
    polite += [[f"i{i}", "w", t, "-1", "impolite", "", "all"] for i, t in enumerate(RUDE * 2)]
    polite += [[f"m{i}", "w", t, "0", "middle", "", "all"] for i, t in enumerate(NEUTRAL)]
    for name in ("wikipedia", "stackexchange"):
        _write(root / "politeness" / f"{name}.csv", header, polite)
    header = ["text", "label", "category", "flags", "offensive", "split"]
    support = [[t, "complaint", "C", "W", "1", "all"] for t in RUDE]
    support += [[t, "info", "C", "P", "0", "all"] for t in POLITE + NEUTRAL]
    for name in ("utterances_20k", "customer_service_8k"):
        _write(root / "bitext" / f"{name}.csv", header, support)


def _cga(root: Path) -> None:
    path = root / "cga" / "cmv.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(20):
        heated = i % 2 == 0
        turns = ANGRY[i % 4 : i % 4 + 2] + RUDE[:1] if heated else POLITE[i % 4 : i % 4 + 2]
        row = {"convo_id": i, "context": turns, "last_comment": "", "label": heated}
        lines.append(json.dumps(row | {"n_comments": len(turns), "split": "valid"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def tiny_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder shaped like ../shared/data, with a few hand-written rows per file."""
    monkeypatch.setenv("CALMDESK_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "data"
    _goemotions(root)
    _tweeteval(root)
    _others(root)
    _cga(root)
    return root
