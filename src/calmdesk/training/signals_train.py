"""Training the learned customer signals (`analysis/models/customer_signals.npz`).

Rows: the DEV split of `tests/data/labelled/customer_messages.jsonl` (the test split is never read
here; only `benchmarks/bench_customer.py` reads it, for the final figure). Each item is read as
the pipeline reads it: its earlier turns first (their rule signals are the history), then the
turn itself through every rule scorer (`scorers.rule_reading`); its feature row is the
multilingual vector, the English vector and `model.rule_features`. Public rows are offered per
signal where they fit (`PUBLIC`: iSarcasmEval for sarcasm, GermEval 2018 for abuse, TweetEval
emotion and BRIGHTER for anger), at a weight
that cross-validation chooses (0 = not used; public rows only ever join the training folds).
Each head's regularisation C is chosen by 5-fold cross-validated ROC AUC on the dev rows; each
request or threat's threshold (the probability at which the model adds a mention the rules did
not find) by the cross-validated F1 of the rules and the model together. No
randomness: the same data give the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calmdesk.analysis.customer import model
from calmdesk.analysis.customer.model import ARTEFACT, MENTION_SIGNALS, SIGNALS, SignalHeads
from calmdesk.domain.errors import MalformedInput, NotFound
from calmdesk.training import data as d
from calmdesk.training.customer_train import LabelledCustomer, default_labelled, labelled_customers
from calmdesk.training.data import fold_of
from calmdesk.training.reply_train import roc_auc

__all__ = [
    "DEFAULT",
    "PUBLIC",
    "SignalRows",
    "SignalSettings",
    "cv_scores",
    "joined_cv",
    "signal_rows",
    "train_signal_heads",
]


@dataclass(frozen=True, slots=True)
class SignalSettings:
    """What `calmdesk models train` uses for the learned customer signals."""

    cs: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1)
    folds: int = 5
    # the pipeline's sentence vector joins the multilingual one: off since the analysis reads
    # every text with the multilingual encoder (the two would be the same vector)
    english: bool = False
    public_weights: tuple[float, ...] = (0.0, 0.3)  # (0.0,): never offer the public sets
    public_rows: int = 1500  # rows of each public set at most (a fixed share by text)
    thresholds: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    # heads whose classes weigh equal (else as they come): the labelled set leans to upset
    # customers by design (79%), and urgency's score carries the waiting floor
    balanced: tuple[str, ...] = ("upset", "urgency")
    max_iter: int = 2000


DEFAULT = SignalSettings()


@dataclass(slots=True)
class SignalRows:
    """Feature rows: the labelled dev items, then any public rows."""

    multilingual: np.ndarray
    english: np.ndarray
    rules: np.ndarray
    labels: dict[str, np.ndarray]  # -1 where a row says nothing about that signal
    found: dict[str, np.ndarray]  # whether the rules found that request or threat
    fold: np.ndarray  # the dev row's CV fold; -1 for rows that only ever train
    public: np.ndarray  # which public set a row comes from ("" for the labelled ones)
    ids: list[str] = field(default_factory=list)

    def features(self, english: bool) -> np.ndarray:
        parts = (
            [self.multilingual, self.english, self.rules]
            if english
            else [
                self.multilingual,
                self.rules,
            ]
        )
        return np.hstack(parts).astype(np.float32)


def _turn_rows(
    conversations: Sequence[Sequence[str]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """The last turn of each conversation read as the pipeline reads it, rules only."""
    from calmdesk.analysis.context import TurnContext
    from calmdesk.analysis.customer.scorers import rule_reading
    from calmdesk.analysis.scoring import default_models
    from calmdesk.domain import CustomerSignals

    models = default_models()
    texts = sorted({t for c in conversations for t in c})
    scored = models.score(texts)
    zero_ml = np.zeros(512, dtype=np.float32)
    ml, en, rules, done_rows = [], [], [], []
    for turns in conversations:
        history: list[CustomerSignals] = []
        done: dict[str, Any] = {}
        ctx: Any = None
        for text in turns:
            s = scored[text]
            ctx = TurnContext.build(
                text,
                s.row(),
                embedding=s.embedding,
                encode=models.encode,
                history=tuple(history),
            )
            done = rule_reading(ctx)
            history.append(CustomerSignals(**done))
        row = ctx.heads
        ml.append(row.vector if row.vector is not None else zero_ml)
        en.append(ctx.embedding if ctx.embedding is not None else zero_ml)
        rules.append(model.rule_features(ctx, done, tuple(history[:-1])))
        done_rows.append(done)
    return np.stack(ml), np.stack(en), np.stack(rules), done_rows


def _sarcasm(root: Path, limit: int) -> list[tuple[str, dict[str, int]]]:
    data = d.sarcasm(root, "train")
    rows = [
        (t, {"sarcasm": int(y == "sarcastic")})
        for t, y in zip(data.texts, data.labels, strict=True)
    ]
    rows.sort(key=lambda r: fold_of(r[0], 1_000_003))
    return rows[:limit]


def _germeval(root: Path, limit: int) -> list[tuple[str, dict[str, int]]]:
    data = d.germeval(root, "train")
    rows = [
        (t, {"abuse": int(y == "OFFENSE")}) for t, y in zip(data.texts, data.labels, strict=True)
    ]
    rows.sort(key=lambda r: fold_of(r[0], 1_000_003))
    return rows[:limit]


def _anger(root: Path, limit: int) -> list[tuple[str, dict[str, int]]]:
    rows: list[tuple[str, dict[str, int]]] = []
    tweets = d.tweeteval(root, "emotion", "train")
    rows += [
        (t, {"anger": int(y == "anger")}) for t, y in zip(tweets.texts, tweets.labels, strict=True)
    ]
    for language in d.BRIGHTER_LANGUAGES:
        data = d.brighter(root, language, "train")
        rows += [
            (t, {"anger": int(bool({"anger", "disgust"} & set(names)))})
            for t, names in zip(data.texts, data.labels, strict=True)
        ]
    rows.sort(key=lambda r: fold_of(r[0], 1_000_003))
    return rows[:limit]


PUBLIC: dict[str, Callable[[Path, int], list[tuple[str, dict[str, int]]]]] = {
    "isarcasmeval": _sarcasm,
    "germeval2018": _germeval,
    "tweeteval+brighter": _anger,
}
"""public set -> reader of (text, labels) rows (the signals it says something about)."""


def signal_rows(
    items: Sequence[LabelledCustomer],
    data_dir: Path | None = None,
    settings: SignalSettings = DEFAULT,
) -> SignalRows:
    """Feature rows for training and cross-validation (public rows only with `data_dir`)."""
    conversations: list[list[str]] = [[*it.context, it.text] for it in items]
    labels = {s: [int(bool(it.labels.get(s, 0))) for it in items] for s in SIGNALS}
    folds = [fold_of(it.id, settings.folds) for it in items]
    public = [""] * len(items)
    if data_dir is not None and any(w > 0 for w in settings.public_weights):
        for name, reader in PUBLIC.items():
            try:
                found = reader(data_dir, settings.public_rows)
            except (OSError, KeyError, NotFound, MalformedInput):
                continue  # a public set that is not there is simply not used
            for text, row_labels in found:
                conversations.append([text])
                for s in SIGNALS:
                    labels[s].append(row_labels.get(s, -1))
                folds.append(-1)
                public.append(name)
    ml, en, rules, done = _turn_rows(conversations)
    kinds = {
        name: np.asarray(
            [any(m.kind is kind for m in (*r["requests"], *r["threats"])) for r in done]
        )
        for name, kind in MENTION_SIGNALS.items()
    }
    return SignalRows(
        ml,
        en,
        rules,
        {s: np.asarray(v, dtype=np.int64) for s, v in labels.items()},
        kinds,
        np.asarray(folds, dtype=np.int64),
        np.asarray(public),
        [it.id for it in items],
    )


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    return mean.astype(np.float32), np.maximum(x.std(axis=0), 1e-3).astype(np.float32)


def _fit(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float, settings: SignalSettings
) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model_ = LogisticRegression(C=c, max_iter=settings.max_iter, tol=1e-4)
    model_.fit(x, y, sample_weight=w)
    return model_.coef_[0].astype(np.float32), float(model_.intercept_[0])


def _weights(
    rows: SignalRows, y: np.ndarray, keep: np.ndarray, public_weight: float, balanced: bool
) -> Any:
    """Labelled rows weigh 1 (classes balanced with `balanced`); public rows `public_weight`
    times as much in all (their classes balanced)."""
    w = np.ones(len(y), dtype=np.float64)
    labelled = rows.public == ""
    public = keep & ~labelled
    if public.any():
        w[public] = public_weight * (keep & labelled).sum() / public.sum()
    for cls in (0, 1) if balanced else ():
        here = keep & labelled & (y == cls)
        if here.any():
            w[here] = (keep & labelled).sum() / (2 * here.sum())
        there = keep & ~labelled & (y == cls)
        if there.any():
            w[there] = public_weight * (keep & ~labelled).sum() / (2 * there.sum())
    return w


def cv_scores(
    rows: SignalRows,
    signal: str,
    c: float,
    public_weight: float = 0.0,
    settings: SignalSettings = DEFAULT,
) -> np.ndarray:
    """Cross-validated probabilities of one head on the dev rows (nan where not scored)."""
    x = rows.features(settings.english)
    y = rows.labels[signal]
    dev = rows.fold >= 0
    out = np.full(int(dev.sum()), np.nan)
    for fold in range(settings.folds):
        train = (y >= 0) & (((rows.fold >= 0) & (rows.fold != fold)) | (rows.fold == -1))
        if public_weight <= 0:
            train &= rows.public == ""
        test = rows.fold == fold
        if not test.any() or len(set(y[train].tolist())) < 2:
            continue
        mean, scale = _standardise(x[train])
        w = _weights(rows, y, train, public_weight, signal in settings.balanced)
        coef, bias = _fit((x[train] - mean) / scale, y[train], w[train], c, settings)
        z = ((x[test] - mean) / scale) @ coef + bias
        out[test[dev]] = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return out


def _f1(truth: np.ndarray, said: np.ndarray) -> float:
    hits = float((said & (truth == 1)).sum())
    wrong = float(said.sum()) - hits
    missed = float((truth == 1).sum()) - hits
    return 2 * hits / (2 * hits + wrong + missed) if hits else 0.0


def joined_cv(rows: SignalRows, cv: dict[str, np.ndarray]) -> dict[str, float]:
    """Dev ROC AUC of the reported signals: the heads' cross-validated probabilities `cv`
    joined with the rules as `scorers.learned_signals` joins them (from the rule features)."""
    from calmdesk.analysis.customer.scorers import _PLAIN, RULES_SURE, WAITING_URGENCY

    dev = rows.fold >= 0
    rule = {n: rows.rules[dev][:, i] for i, n in enumerate(model.RULE_NAMES)}
    relief = rule["tone:gratitude"] * (1 - rule["tone:negative"]) * (1 - rule["tone:contrast"])
    relief = relief * (1 - rule["rule:sarcasm"])
    minor = 0.85 * rule["tone:mild"] * (1 - rule["abuse_spans"])
    sure = {n: rule[f"rule:{n}"] for n in _PLAIN}
    cv = {
        **cv,
        **{n: np.where(r >= RULES_SURE, np.maximum(cv[n], r), cv[n]) for n, r in sure.items()},
    }
    out = dict(cv)
    upset = np.maximum(cv["upset"], cv["anger"]) * (1 - relief) * (1 - minor)
    out["upset"] = upset
    out["anger"] = np.sqrt(cv["anger"] * upset)
    out["sarcasm"] = np.sqrt(cv["sarcasm"] * upset) * (1 - relief)
    out["urgency"] = np.maximum(cv["urgency"], WAITING_URGENCY * cv["waiting"]) * (1 - minor)
    spans = rule["abuse_spans"] > 0
    out["abuse"] = np.where(spans, np.maximum(cv["abuse"], rule["rule:abuse"]), cv["abuse"])
    for s in MENTION_SIGNALS:
        out[s] = np.where(rows.found[s][dev], 1.0, cv[s])
    return {s: round(roc_auc(rows.labels[s][dev], out[s]), 4) for s in SIGNALS}


def train_signal_heads(
    labelled: Path | None = None,
    data_dir: Path | None = None,
    out: Path = ARTEFACT,
    settings: SignalSettings = DEFAULT,
    log: Callable[[str], None] | None = None,
) -> SignalHeads:
    """Choose each head's C, public weight and threshold by dev cross-validation, fit on all
    dev (and the chosen public rows), write the artefact."""
    path = labelled or default_labelled()
    dev = labelled_customers(path, "dev")
    if not dev:
        raise NotFound(f"The labelled customer set {path} has no dev items; pass --labelled.")
    for s in SIGNALS:
        if len({int(bool(it.labels.get(s, 0))) for it in dev}) < 2:
            raise MalformedInput(f"The labelled customers in {path} lack examples of {s} 0 and 1.")
    rows = signal_rows(dev, data_dir, settings)
    x = rows.features(settings.english)
    dev_mask = rows.fold >= 0
    chosen: dict[str, dict[str, float]] = {}
    thresholds: dict[str, float] = {}
    cv: dict[str, np.ndarray] = {}
    for s in SIGNALS:
        weights = settings.public_weights
        if not (rows.public[rows.labels[s] >= 0] != "").any():
            weights = (0.0,)
        best: tuple[float, float, float] | None = None
        best_scores: np.ndarray | None = None
        for pw in weights:
            for c in settings.cs:
                scores = cv_scores(rows, s, c, pw, settings)
                auc = roc_auc(rows.labels[s][dev_mask], np.nan_to_num(scores, nan=0.5))
                if best is None or auc > best[0] + 1e-9:
                    best, best_scores = (auc, c, pw), scores
        assert best is not None and best_scores is not None
        cv[s] = np.nan_to_num(best_scores, nan=0.5)
        chosen[s] = {"cv_auc": round(best[0], 4), "c": best[1], "public_weight": best[2]}
        if s in MENTION_SIGNALS:
            truth = rows.labels[s][dev_mask]
            found = rows.found[s][dev_mask]
            f1s = {
                t: _f1(truth, found | (np.nan_to_num(best_scores) >= t))
                for t in settings.thresholds
            }
            t_best = max(settings.thresholds, key=lambda t: (f1s[t], t))
            thresholds[s] = t_best
            chosen[s] |= {
                "threshold": t_best,
                "cv_f1": round(f1s[t_best], 4),
                "rules_f1": round(_f1(truth, found), 4),
                "cv_auc_with_rules": round(
                    roc_auc(truth, np.where(found, 1.0, np.nan_to_num(best_scores))), 4
                ),
            }
        if log is not None:
            log(f"{s}: {chosen[s]}")
    for s, auc in joined_cv(rows, cv).items():
        chosen[s]["cv_auc_joined"] = auc
    coefs, biases = [], []
    for s in SIGNALS:
        y = rows.labels[s]
        keep = y >= 0
        if chosen[s]["public_weight"] <= 0:
            keep &= rows.public == ""
        mean, scale = _standardise(x[keep])
        w = _weights(rows, y, keep, chosen[s]["public_weight"], s in settings.balanced)
        coef, bias = _fit((x[keep] - mean) / scale, y[keep], w[keep], chosen[s]["c"], settings)
        folded = coef / scale
        coefs.append(folded)
        biases.append(bias - float(np.dot(mean, folded)))
    weights_all = np.stack(coefs, axis=1)
    n_ml, n_en = rows.multilingual.shape[1], rows.english.shape[1] if settings.english else 0
    meta = {
        "heads": chosen,
        "thresholds": thresholds,
        "dev_rows": len(dev),
        "trained_on": "customer_messages.jsonl dev split",
        "english_vector": settings.english,
    }
    heads = SignalHeads(
        weights_all[:n_ml],
        weights_all[n_ml : n_ml + n_en],
        weights_all[n_ml + n_en :],
        np.asarray(biases, dtype=np.float32),
        meta,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    heads.save(out)
    return heads
