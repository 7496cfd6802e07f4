"""Training the reply heads (`analysis/models/reply_heads.npz`) from the project's labelled replies.

Rows: the DEV split of `tests/data/labelled/agent_replies.jsonl` (the test split is never read
here; only `benchmarks/bench_replies.py` reads it, for the final figure). Each dev reply is also
added once without its context at a quarter weight (reflection 0 then), so a draft reviewed with
no history is not out of the heads' range. Each head's regularisation C is chosen by 5-fold
cross-validated ROC AUC on the dev rows. Public rows are offered per signal at a small weight
where they fit (`PUBLIC`: CaSiNo's showing-empathy utterances, Stanford Politeness requests,
DiaSafety's replies that offend the user); cross-validation decides whether each is used (public
rows only ever join the training folds; a public set that is not there is skipped). For the
packaged heads it kept CaSiNo for empathy and no other. No randomness: the same data give the
same file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calmdesk.analysis.reply.context import draft_hits
from calmdesk.analysis.reply.model import (
    ARTEFACT,
    SIGNALS,
    ReplyHeads,
    context_vector,
    feature_matrix,
    rule_features,
)
from calmdesk.domain.errors import MalformedInput, NotFound
from calmdesk.training.data import fold_of
from calmdesk.training.embeddings import cache_dir, embed

__all__ = [
    "LABELLED_REPLIES",
    "ReplyRows",
    "ReplySettings",
    "cv_auc",
    "read_replies",
    "reply_rows",
    "roc_auc",
    "train_reply_heads",
]

LABELLED_REPLIES = (
    Path(__file__).resolve().parents[3] / "tests" / "data" / "labelled" / "agent_replies.jsonl"
)
_LABEL = {name: name for name in SIGNALS} | {"politeness": "polite"}


@dataclass(frozen=True, slots=True)
class ReplySettings:
    """What `calmdesk models train` uses for the reply heads."""

    cs: tuple[float, ...] = (0.003, 0.01, 0.1, 1.0)
    folds: int = 5
    no_context_weight: float = 0.25
    public_weights: tuple[float, ...] = (0.0, 0.3)  # (0.0,): never offer the public sets
    public_per_signal: int = 1500  # rows of each public set at most (a fixed share by id)
    max_iter: int = 1000


DEFAULT = ReplySettings()


@dataclass(slots=True)
class Reply:
    id: str
    context: list[str]
    reply: str
    labels: dict[str, int]


def read_replies(path: Path = LABELLED_REPLIES, split: str = "dev") -> list[Reply]:
    """The labelled replies of one split; a clear error for a missing or malformed file."""
    if not path.is_file():
        raise NotFound(f"Labelled replies {path} do not exist; pass --replies.")
    out: list[Reply] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if row["split"] != split:
                    continue
                labels = {s: int(row["labels"][_LABEL[s]]) for s in SIGNALS}
                context = [str(t) for t in row["context"]]
                out.append(Reply(str(row["id"]), context, str(row["reply"]), labels))
            except (ValueError, KeyError, TypeError) as exc:
                raise MalformedInput(f"{path} line {number} is not a labelled reply.") from exc
    return out


@dataclass(slots=True)
class ReplyRows:
    """Feature rows of every reply: labelled dev rows, their no-context copies, public rows."""

    features: np.ndarray
    labels: dict[str, np.ndarray]  # -1 where a row says nothing about that signal
    weights: np.ndarray
    fold: np.ndarray  # the dev row's CV fold; -1 for rows that only ever train
    public: np.ndarray  # which public set a row comes from ("" for the labelled ones)
    dev_ids: list[str] = field(default_factory=list)


def _vectors(texts: list[str], use_cache: bool = True) -> dict[str, np.ndarray]:
    """Sentence vectors by text; kept per text on disk, so a labelled set that grows only
    encodes its new replies (`embed` caches a whole list)."""
    from calmdesk.analysis.language import encoder

    path = cache_dir() / f"replies-{encoder.MODEL_ID}.npz"
    known: dict[str, np.ndarray] = {}
    if use_cache and path.is_file():
        with np.load(path, allow_pickle=False) as z:
            known = dict(zip(z["texts"].tolist(), z["vectors"], strict=True))
    missing = [t for t in texts if t not in known]
    if missing:
        fresh = embed(missing, use_cache=False, multilingual=True)
        known |= dict(zip(missing, fresh, strict=True))
        if use_cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            names = sorted(known)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, texts=np.array(names), vectors=np.stack([known[t] for t in names]))
            tmp.replace(path)
    return {t: known[t] for t in texts}


def _features(replies: Sequence[str], contexts: Sequence[Sequence[str]]) -> np.ndarray:
    texts = sorted({*replies, *(t for c in contexts for t in c)})
    vectors = _vectors(texts)
    zero = np.zeros_like(next(iter(vectors.values())))
    reply_vecs = np.stack([vectors[r] for r in replies])
    context_vecs = np.stack(
        [context_vector(np.stack([vectors[t] for t in c] or [zero])) for c in contexts]
    )
    rules = np.stack(
        [rule_features(r, c, draft_hits(r)) for r, c in zip(replies, contexts, strict=True)]
    )
    result: np.ndarray = feature_matrix(reply_vecs, context_vecs, rules)
    return result


def _casino(root: Path, limit: int) -> list[tuple[str, list[str], dict[str, int]]]:
    path = root / "casino" / "train.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = f"casino:{row['dialogue_id']}:{row['turn']}"
            if fold_of(key, 3) != 0:
                continue
            strategies = set(row["strategies"].split(";"))
            context = [row["prev_text"]] if row["prev_text"] else []
            out.append((row["text"], context, {"empathy": int("showing-empathy" in strategies)}))
    return out[:limit]


def _politeness(root: Path, limit: int) -> list[tuple[str, list[str], dict[str, int]]]:
    out: list[tuple[str, list[str], dict[str, int]]] = []
    for name in ("wikipedia", "stackexchange"):
        with (root / "politeness" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                # fold 0 is the politeness benchmark's held-out fold: never train on it
                if row["label"] == "middle" or fold_of(f"{name}:{row['id']}", 5) == 0:
                    continue
                out.append((row["text"], [], {"politeness": int(row["label"] == "polite")}))
    out.sort(key=lambda r: fold_of(r[0], 1_000_003))
    return out[:limit]


def _diasafety(root: Path, limit: int) -> list[tuple[str, list[str], dict[str, int]]]:
    out = []
    with (root / "diasafety" / "train.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["category"] != "Offending User":
                continue
            out.append(
                (row["response"], [row["context"]], {"blame": int(row["label"] == "Unsafe")})
            )
    out.sort(key=lambda r: fold_of(r[0], 1_000_003))
    return out[:limit]


PUBLIC: dict[
    str, tuple[str, Callable[[Path, int], list[tuple[str, list[str], dict[str, int]]]]]
] = {
    "empathy": ("casino", _casino),
    "politeness": ("politeness", _politeness),
    "blame": ("diasafety", _diasafety),
}
"""signal -> (public set, reader of (reply, context, labels) rows)."""


def reply_rows(
    dev: Sequence[Reply], data_dir: Path | None, settings: ReplySettings = DEFAULT
) -> ReplyRows:
    """Feature rows for training and cross-validation (public rows only with `data_dir`)."""
    replies = [r.reply for r in dev]
    contexts: list[list[str]] = [r.context for r in dev]
    labels = {s: [r.labels[s] for r in dev] for s in SIGNALS}
    weights = [1.0] * len(dev)
    folds = [fold_of(r.id, settings.folds) for r in dev]
    public = [""] * len(dev)
    for r in dev:  # the same reply with no context: a review without history
        replies.append(r.reply)
        contexts.append([])
        for s in SIGNALS:
            labels[s].append(0 if s == "reflection" else r.labels[s])
        weights.append(settings.no_context_weight)
        folds.append(-2 - fold_of(r.id, settings.folds))  # trains only outside its own fold
        public.append("")
    if data_dir is not None:
        for signal, (name, reader) in PUBLIC.items():
            try:
                found = reader(data_dir, settings.public_per_signal)
            except (OSError, KeyError):
                continue  # a public set that is not there is simply not used
            for text, context, row_labels in found:
                replies.append(text)
                contexts.append(context)
                for s in SIGNALS:
                    labels[s].append(row_labels.get(s, -1))
                weights.append(1.0)
                folds.append(-1)
                public.append(name)
            del signal
    return ReplyRows(
        _features(replies, contexts),
        {s: np.asarray(v, dtype=np.int64) for s, v in labels.items()},
        np.asarray(weights, dtype=np.float64),
        np.asarray(folds, dtype=np.int64),
        np.asarray(public),
        [r.id for r in dev],
    )


def roc_auc(truth: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """Area under the ROC curve (ties count half); nan when only one class is present."""
    t = np.asarray(truth, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    pos, neg = int(t.sum()), int(len(t) - t.sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[t == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _standardise(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.average(x, axis=0, weights=w)
    var = np.average((x - mean) ** 2, axis=0, weights=w)
    return mean.astype(np.float32), np.maximum(np.sqrt(var), 1e-3).astype(np.float32)


def _fit(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float, settings: ReplySettings
) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=settings.max_iter, tol=1e-4)
    model.fit(x, y, sample_weight=w)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _train_mask(rows: ReplyRows, signal: str, fold: int | None, public_weight: float) -> Any:
    known = rows.labels[signal] >= 0
    labelled = rows.public == ""
    if fold is None:
        in_train = np.ones(len(rows.fold), dtype=bool)
    else:
        in_train = (rows.fold >= 0) & (rows.fold != fold)
        in_train |= (rows.fold <= -2) & (rows.fold != -2 - fold)
        in_train |= rows.fold == -1
    keep = known & in_train & (labelled | (public_weight > 0))
    return keep


def _weights(rows: ReplyRows, public_weight: float) -> np.ndarray:
    w: np.ndarray = np.where(rows.public == "", rows.weights, rows.weights * public_weight)
    return w


def cv_auc(
    rows: ReplyRows, signal: str, c: float, public_weight: float, settings: ReplySettings = DEFAULT
) -> float:
    """Cross-validated ROC AUC of one head on the dev rows (their own context)."""
    scores = np.full(len(rows.fold), np.nan)
    weights = _weights(rows, public_weight)
    y = rows.labels[signal]
    for fold in range(settings.folds):
        train = _train_mask(rows, signal, fold, public_weight)
        test = rows.fold == fold
        if not test.any() or len(set(y[train].tolist())) < 2:
            continue
        mean, scale = _standardise(rows.features[train], weights[train])
        coef, bias = _fit(
            (rows.features[train] - mean) / scale, y[train], weights[train], c, settings
        )
        scores[test] = ((rows.features[test] - mean) / scale) @ coef + bias
    dev = rows.fold >= 0
    return roc_auc(y[dev], scores[dev])


def train_reply_heads(
    replies: Path = LABELLED_REPLIES,
    data_dir: Path | None = None,
    out: Path = ARTEFACT,
    settings: ReplySettings = DEFAULT,
) -> ReplyHeads:
    """Choose each head's C and public weight by dev cross-validation, fit on all dev, write."""
    dev = read_replies(replies, "dev")
    for s in SIGNALS:
        if len({r.labels[s] for r in dev}) < 2:
            raise MalformedInput(f"The labelled replies in {replies} lack examples of {s} 0 and 1.")
    public = data_dir if any(w > 0 for w in settings.public_weights) else None
    rows = reply_rows(dev, public, settings)
    chosen: dict[str, dict[str, float]] = {}
    for s in SIGNALS:
        options = [(c, pw) for pw in settings.public_weights for c in settings.cs]
        if s not in PUBLIC or public is None:
            options = [(c, 0.0) for c in settings.cs]
        aucs = {opt: cv_auc(rows, s, opt[0], opt[1], settings) for opt in options}
        best = max(options, key=lambda o: (np.nan_to_num(aucs[o], nan=-1.0), -o[1], -o[0]))
        chosen[s] = {"c": best[0], "public_weight": best[1], "cv_auc": round(aucs[best], 4)}
    # one standardisation over the labelled rows (public rows weigh in by their chosen weight)
    weights = _weights(rows, 1.0)
    labelled = rows.public == ""
    mean, scale = _standardise(rows.features[labelled], weights[labelled])
    x = (rows.features - mean) / scale
    coefs, biases = [], []
    for s in SIGNALS:
        pw = chosen[s]["public_weight"]
        keep = _train_mask(rows, s, None, pw)
        w = _weights(rows, pw)
        coef, bias = _fit(x[keep], rows.labels[s][keep], w[keep], chosen[s]["c"], settings)
        coefs.append(coef)
        biases.append(bias)
    meta = {"heads": chosen, "dev_rows": len(dev), "trained_on": "agent_replies.jsonl dev split"}
    heads = ReplyHeads(mean, scale, np.stack(coefs, axis=1), np.asarray(biases, np.float32), meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    heads.save(out)
    return heads
