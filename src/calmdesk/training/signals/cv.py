"""Cross-validated dev scores of each signal head, and the signals as reported (joined with the
rules), which the settings are chosen by."""

from __future__ import annotations

from typing import Any

import numpy as np

from calmdesk.analysis.customer import model
from calmdesk.analysis.customer.model import MENTION_SIGNALS, SIGNALS
from calmdesk.training.reply_train import roc_auc
from calmdesk.training.signals.rows import DEFAULT, SignalRows, SignalSettings

__all__ = ["calm_upset_rate", "cv_scores", "joined", "joined_cv", "tone_cv"]


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    return mean.astype(np.float32), np.maximum(x.std(axis=0), 1e-3).astype(np.float32)


def gram_scale(rows: SignalRows, gram_weight: float, settings: SignalSettings) -> float:
    """What the n-gram rows (L2 norm 1) are multiplied by beside the standardised dense part
    (norm about sqrt(width)): `gram_weight` times that norm."""
    return float(gram_weight * np.sqrt(rows.features(settings.english).shape[1]))


def design_matrix(dense: np.ndarray, grams: Any, scale: float) -> Any:
    """The standardised dense features, with the n-gram block beside them when `scale` > 0."""
    if scale <= 0 or grams is None or grams.shape[1] == 0:
        return dense
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(dense), grams * scale], format="csr")


def fit_head(
    x: Any, y: np.ndarray, w: np.ndarray, c: float, settings: SignalSettings
) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model_ = LogisticRegression(C=c, max_iter=settings.max_iter, tol=1e-4)
    model_.fit(x, y, sample_weight=w)
    return model_.coef_[0].astype(np.float32), float(model_.intercept_[0])


def row_weights(
    rows: SignalRows,
    y: np.ndarray,
    keep: np.ndarray,
    public_weight: float,
    balanced: bool,
    calm_weight: float = 1.0,
    tone_weight: float = 1.0,
) -> Any:
    """Labelled rows weigh 1 (classes balanced with `balanced`), calm rows `calm_weight` times
    that, the tone set's rows `tone_weight` times; public rows `public_weight` times as much in
    all (their classes balanced)."""
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
    if len(rows.calm) == len(w):
        w[rows.calm] *= calm_weight
    if len(rows.tone) == len(w):
        w[rows.tone] *= tone_weight
    return w


def cv_scores(
    rows: SignalRows,
    signal: str,
    c: float,
    public_weight: float = 0.0,
    settings: SignalSettings = DEFAULT,
    gram_weight: float = 0.0,
) -> np.ndarray:
    """Cross-validated probabilities of one head on the dev rows (nan where not scored), with
    the n-gram block at `gram_weight` (0: without it)."""
    x = rows.features(settings.english)
    scale = gram_scale(rows, gram_weight, settings)
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
        mean, spread = standardise(x[train])
        w = row_weights(
            rows,
            y,
            train,
            public_weight,
            signal in settings.balanced,
            settings.calm_weight,
            settings.tone_weight,
        )
        grams = rows.gram_rows
        fit_x = design_matrix((x[train] - mean) / spread, take_rows(grams, train), scale)
        coef, bias = fit_head(fit_x, y[train], w[train], c, settings)
        z = design_matrix((x[test] - mean) / spread, take_rows(grams, test), scale) @ coef + bias
        out[test[dev]] = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return out


def take_rows(grams: Any, keep: np.ndarray) -> Any:
    return None if grams is None else grams[np.flatnonzero(keep)]


def f1_positive(truth: np.ndarray, said: np.ndarray) -> float:
    hits = float((said & (truth == 1)).sum())
    wrong = float(said.sum()) - hits
    missed = float((truth == 1).sum()) - hits
    return 2 * hits / (2 * hits + wrong + missed) if hits else 0.0


def joined(rows: SignalRows, cv: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The reported signals of the dev rows: the heads' cross-validated probabilities `cv`
    joined with the rules as `scorers.learned_signals` joins them (from the rule features)."""
    from calmdesk.analysis.customer.scorers import _PLAIN, WAITING_URGENCY, sure_at

    dev = rows.fold >= 0
    rule = {n: rows.rules[dev][:, i] for i, n in enumerate(model.RULE_NAMES)}
    relief = rule["tone:gratitude"] * (1 - rule["tone:negative"]) * (1 - rule["tone:contrast"])
    relief = relief * (1 - rule["rule:sarcasm"])
    minor = 0.85 * rule["tone:mild"] * (1 - rule["abuse_spans"])
    sure = {n: rule[f"rule:{n}"] for n in _PLAIN}
    cv = {
        **cv,
        **{n: np.where(r >= sure_at(n), np.maximum(cv[n], r), cv[n]) for n, r in sure.items()},
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
    return out


def _main(rows: SignalRows) -> np.ndarray:
    """Which dev rows are the labelled set's own (not the calm or the tone set's)."""
    dev = rows.fold >= 0
    main = ~rows.calm[dev]
    if len(rows.tone) == len(rows.calm):
        main &= ~rows.tone[dev]
    return main


def joined_cv(rows: SignalRows, cv: dict[str, np.ndarray]) -> dict[str, float]:
    """Dev ROC AUC of the reported signals (`joined`) on the labelled set's dev rows (the calm
    and tone rows left out, so the figure compares with the test split's)."""
    dev = rows.fold >= 0
    main = _main(rows)
    out = joined(rows, cv)
    return {s: round(roc_auc(rows.labels[s][dev][main], out[s][main]), 4) for s in SIGNALS}


def tone_cv(rows: SignalRows, cv: dict[str, np.ndarray]) -> float | None:
    """Dev ROC AUC of the reported anger (`joined`) on the tone set's dev rows (None without)."""
    dev = rows.fold >= 0
    if len(rows.tone) != len(rows.calm) or not rows.tone[dev].any():
        return None
    tone = rows.tone[dev]
    return round(roc_auc(rows.labels["anger"][dev][tone], joined(rows, cv)["anger"][tone]), 4)


def calm_upset_rate(rows: SignalRows, cv: dict[str, np.ndarray]) -> float | None:
    """The share of the calm dev rows whose joined cross-validated upset is >= UPSET_AT."""
    from calmdesk.analysis.customer.scorers import UPSET_AT

    dev = rows.fold >= 0
    calm = rows.calm[dev]
    if not calm.any():
        return None
    return round(float((joined(rows, cv)["upset"][calm] >= UPSET_AT).mean()), 4)
