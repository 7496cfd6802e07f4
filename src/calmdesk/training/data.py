"""Reading the public labelled data in `../shared/data` (never committed; see its README).

Each reader returns a `Labelled` set: texts with one label each (`str`) or several (`tuple`).
Datasets without a split get a fixed one from a hash of each row's id (`fold_of`), so every run
and every machine holds out the same rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calmdesk.domain.errors import MalformedInput, NotFound

__all__ = [
    "Conversation",
    "Labelled",
    "banking77",
    "bitext",
    "bitext_intents",
    "brighter",
    "cga",
    "clinc150",
    "complaints",
    "fold_of",
    "germeval",
    "goemotions",
    "politeness",
    "read_rows",
    "sarcasm",
    "tweeteval",
]

HELD_OUT_FOLD = 0
"""Rows whose `fold_of(id, 5)` is 0 form the fixed evaluation part of an unsplit dataset."""


@dataclass(slots=True)
class Labelled:
    texts: list[str] = field(default_factory=list)
    labels: list[Any] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None  # sentence vectors, one row per text, once computed

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, label: Any, row_id: str) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.ids.append(row_id)

    def subset(self, keep: list[bool]) -> Labelled:
        out = Labelled()
        for text, label, row_id, k in zip(self.texts, self.labels, self.ids, keep, strict=True):
            if k:
                out.add(text, label, row_id)
        if self.vectors is not None:
            out.vectors = self.vectors[np.asarray(keep, dtype=bool)]
        return out

    def split(self, fold: int = HELD_OUT_FOLD, folds: int = 5) -> tuple[Labelled, Labelled]:
        """(rest, held out): the rows whose id falls in `fold` are held out."""
        held = [fold_of(i, folds) == fold for i in self.ids]
        return self.subset([not h for h in held]), self.subset(held)


@dataclass(slots=True)
class Conversation:
    id: str
    turns: list[str]
    derailed: bool


def fold_of(key: str, folds: int = 5) -> int:
    """A stable fold number in [0, folds) for a row id."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % folds


def read_rows(path: Path, required: tuple[str, ...] = ("text", "label")) -> list[dict[str, str]]:
    """Rows of a CSV file with a header; a clear error when it is missing or lacks columns."""
    if not path.is_file():
        raise NotFound(f"Data file {path} does not exist; pass --data-dir or --train/--test.")
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MalformedInput(f"{path} is not a UTF-8 CSV file: {exc}.") from exc
    missing = [c for c in required if rows and c not in rows[0]]
    if not rows or missing:
        raise MalformedInput(f"{path} has no rows or lacks the columns {missing or required}.")
    return rows


def _simple(path: Path, id_column: str | None = None) -> Labelled:
    out = Labelled()
    for number, row in enumerate(read_rows(path)):
        out.add(row["text"], row["label"], row.get(id_column or "", "") or f"{path.name}:{number}")
    return out


def tweeteval(data_dir: Path, task: str, split: str) -> Labelled:
    """TweetEval `task` (emotion, offensive, hate), split `train` or `val`."""
    return _simple(data_dir / "tweeteval" / task / f"{split}.csv")


def goemotions(data_dir: Path, split: str) -> Labelled:
    """GoEmotions with its 28 labels; each label is a tuple of names (multi-label)."""
    out = Labelled()
    for row in read_rows(data_dir / "goemotions" / f"{split}.csv"):
        out.add(row["text"], tuple(row["label"].split(";")), row.get("id", ""))
    return out


def complaints(data_dir: Path) -> Labelled:
    """Tweets to companies labelled complaint / not_complaint (no split: use `fold_of`)."""
    return _simple(data_dir / "complaints" / "complaints.csv", "id")


def politeness(data_dir: Path) -> Labelled:
    """Stanford Politeness requests labelled polite / middle / impolite (no split)."""
    out = Labelled()
    for name in ("wikipedia", "stackexchange"):
        part = _simple(data_dir / "politeness" / f"{name}.csv", "id")
        for text, label, row_id in zip(part.texts, part.labels, part.ids, strict=True):
            out.add(text, label, f"{name}:{row_id}")
    return out


def bitext(data_dir: Path) -> Labelled:
    """Bitext customer-support utterances; the label is the `offensive` flag ("0"/"1")."""
    out = Labelled()
    for name in ("utterances_20k", "customer_service_8k"):
        rows = read_rows(data_dir / "bitext" / f"{name}.csv", ("text", "offensive"))
        for number, row in enumerate(rows):
            out.add(row["text"], row["offensive"], f"{name}:{number}")
    return out


def banking77(data_dir: Path) -> Labelled:
    """Banking77 training questions with 77 intents (the test split is not here)."""
    return _simple(data_dir / "banking77" / "train.csv")


def clinc150(data_dir: Path, split: str) -> Labelled:
    """CLINC150 `train` or `val` in-scope queries plus the matching `oos_*` ones (label `oos`)."""
    out = _simple(data_dir / "clinc150" / f"{split}.csv")
    oos = _simple(data_dir / "clinc150" / f"oos_{split}.csv")
    for text, label, row_id in zip(oos.texts, oos.labels, oos.ids, strict=True):
        out.add(text, label, row_id)
    return out


def cga(path: Path) -> list[Conversation]:
    """Conversations Gone Awry (JSON Lines): the turns before the last and whether it derailed."""
    if not path.is_file():
        raise NotFound(f"Data file {path} does not exist; pass --data-dir or --train/--test.")
    out = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                row = json.loads(line)
                turns = [str(t) for t in row["context"]]
                out.append(Conversation(str(row["convo_id"]), turns, bool(row["label"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise MalformedInput(f"{path} line {number} is not a CGA conversation.") from exc
    return out


def sarcasm(data_dir: Path, split: str) -> Labelled:
    """iSarcasmEval tweets, `train` or `dev`; label `sarcastic` / `not_sarcastic`."""
    return _simple(data_dir / "sarcasm" / f"{split}.csv")


BRIGHTER_LANGUAGES = {"de": "deu", "es": "esp", "pt": "ptbr"}
BRIGHTER_EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise")


def brighter(data_dir: Path, language: str, split: str) -> Labelled:
    """BRIGHTER texts of `language` (de, es, pt); each label is the tuple of emotions present."""
    folder = BRIGHTER_LANGUAGES.get(language, language)
    path = data_dir / "brighter" / folder / f"{split}.csv"
    out = Labelled()
    for number, row in enumerate(read_rows(path, ("text", *BRIGHTER_EMOTIONS))):
        names = tuple(e for e in BRIGHTER_EMOTIONS if row[e].strip() == "1")
        out.add(row["text"], names, f"{folder}:{split}:{number}")
    return out


def germeval(data_dir: Path, split: str) -> Labelled:
    """GermEval 2018 tweets, `train` or `dev`; label is the coarse OFFENSE / OTHER."""
    out = Labelled()
    path = data_dir / "germeval2018" / f"{split}.csv"
    for number, row in enumerate(read_rows(path, ("text", "coarse"))):
        out.add(row["text"].replace("|LBR|", " "), row["coarse"], f"germeval:{split}:{number}")
    return out


def bitext_intents(data_dir: Path) -> Labelled:
    """Bitext customer-support utterances labelled with their intent (27 intents)."""
    out = Labelled()
    for name in ("utterances_20k", "customer_service_8k"):
        for number, row in enumerate(read_rows(data_dir / "bitext" / f"{name}.csv")):
            label = "check_invoices" if row["label"] == "check_invoice" else row["label"]
            out.add(row["text"], label, f"{name}:{number}")
    return out
