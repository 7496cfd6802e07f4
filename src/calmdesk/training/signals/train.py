"""Choosing each head's settings by cross-validation and writing the artefact
(`train_signal_heads`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calmdesk.analysis.customer.model import ARTEFACT, MENTION_SIGNALS, SIGNALS, SignalHeads
from calmdesk.domain.errors import MalformedInput, NotFound
from calmdesk.training.customer_train import default_labelled, labelled_customers
from calmdesk.training.reply_train import roc_auc
from calmdesk.training.signals.cv import (
    calm_upset_rate,
    cv_scores,
    design_matrix,
    f1_positive,
    fit_head,
    gram_scale,
    joined,
    joined_cv,
    row_weights,
    standardise,
    take_rows,
    tone_cv,
)
from calmdesk.training.signals.rows import (
    DEFAULT,
    SignalRows,
    SignalSettings,
    default_calm,
    default_tone,
    signal_rows,
)

__all__ = ["train_signal_heads"]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One setting of a head and its cross-validated dev probabilities (nan read as 0.5)."""

    auc: float  # the head's own CV AUC on the choosing rows
    c: float
    public_weight: float
    gram_weight: float
    scores: np.ndarray


def _candidates(
    rows: SignalRows, s: str, settings: SignalSettings, chooser: np.ndarray
) -> list[_Candidate]:
    """Every setting of head `s` (public weight, then n-gram weight, then C), cross-validated."""
    dev_mask = rows.fold >= 0
    weights = settings.public_weights
    if not (rows.public[rows.labels[s] >= 0] != "").any():
        weights = (0.0,)
    out = []
    for pw in weights:
        for gw in settings.gram_weights:
            for c in settings.cs:
                scores = np.nan_to_num(cv_scores(rows, s, c, pw, settings, gw), nan=0.5)
                auc = roc_auc(rows.labels[s][dev_mask][chooser], scores[chooser])
                out.append(_Candidate(auc, c, pw, gw, scores))
    return out


def _by_head(found: Sequence[_Candidate]) -> _Candidate:
    """The candidate with the best CV AUC of the head itself (a later one must beat by 1e-9)."""
    best = found[0]
    for k in found[1:]:
        if k.auc > best.auc + 1e-9:
            best = k
    return best


def _by_joined(
    rows: SignalRows,
    cv: dict[str, np.ndarray],
    s: str,
    found: Sequence[_Candidate],
    chooser: np.ndarray,
) -> _Candidate:
    """The candidate of head `s` whose reported (joined) signal has the best CV AUC on the
    choosing rows, every other head at its own best setting `cv` (the first of equals wins)."""
    truth = rows.labels[s][rows.fold >= 0][chooser]

    def joined_auc(k: _Candidate) -> float:
        return roc_auc(truth, joined(rows, {**cv, s: k.scores})[s][chooser])

    aucs = [joined_auc(k) for k in found]
    return found[max(range(len(found)), key=lambda i: (round(aucs[i], 9), -i))]


def train_signal_heads(
    labelled: Path | None = None,
    data_dir: Path | None = None,
    out: Path = ARTEFACT,
    settings: SignalSettings = DEFAULT,
    log: Callable[[str], None] | None = None,
    calm: Path | None = None,
    tone: Path | None = None,
) -> SignalHeads:
    """Choose each head's C, n-gram weight, public weight and threshold by dev
    cross-validation, fit on all dev (and the chosen public rows), write the artefact.

    `calm`: a labelled set of calm messages whose dev items train too (default: the project's
    `customer_calm.jsonl` when `labelled` is the project's set, else none); `tone`: a labelled
    set on the anger/frustration line whose dev items train too (default: the project's
    `customer_tone.jsonl` likewise). Settings are chosen by the cross-validated AUC of the
    labelled set's and the calm set's dev rows; the tone rows train in every fold but are not
    scored for the choice (some of its items are near-parallel pairs)."""
    path = labelled or default_labelled()
    dev = labelled_customers(path, "dev")
    if not dev:
        raise NotFound(f"The labelled customer set {path} has no dev items; pass --labelled.")
    for s in SIGNALS:
        if len({int(bool(it.labels.get(s, 0))) for it in dev}) < 2:
            raise MalformedInput(f"The labelled customers in {path} lack examples of {s} 0 and 1.")
    calm_path = calm or (default_calm() if labelled is None else None)
    calm_dev = labelled_customers(calm_path, "dev") if calm_path is not None else []
    tone_path = tone or (default_tone() if labelled is None else None)
    tone_dev = labelled_customers(tone_path, "dev") if tone_path is not None else []
    rows = signal_rows(dev, data_dir, settings, calm_dev, tone_dev)
    x = rows.features(settings.english)
    dev_mask = rows.fold >= 0
    chooser = ~rows.tone[dev_mask]
    chosen: dict[str, dict[str, float]] = {}
    thresholds: dict[str, float] = {}
    cv: dict[str, np.ndarray] = {}
    candidates = {s: _candidates(rows, s, settings, chooser) for s in SIGNALS}
    first = {s: _by_head(found) for s, found in candidates.items()}
    picked = dict(first)
    if settings.choose_by_joined:
        first_cv = {s: k.scores for s, k in first.items()}
        for s in SIGNALS:
            if s not in settings.by_head:
                picked[s] = _by_joined(rows, first_cv, s, candidates[s], chooser)
    for s in SIGNALS:
        best = picked[s]
        cv[s] = best.scores
        chosen[s] = {
            "cv_auc": round(best.auc, 4),
            "c": best.c,
            "public_weight": best.public_weight,
            "gram_weight": best.gram_weight,
        }
        if s in MENTION_SIGNALS:
            truth = rows.labels[s][dev_mask]
            found = rows.found[s][dev_mask]
            f1s = {t: f1_positive(truth, found | (best.scores >= t)) for t in settings.thresholds}
            t_best = max(settings.thresholds, key=lambda t: (f1s[t], t))
            thresholds[s] = t_best
            chosen[s] |= {
                "threshold": t_best,
                "cv_f1": round(f1s[t_best], 4),
                "rules_f1": round(f1_positive(truth, found), 4),
                "cv_auc_with_rules": round(roc_auc(truth, np.where(found, 1.0, best.scores)), 4),
            }
        if log is not None:
            log(f"{s}: {chosen[s]}")
    for s, auc in joined_cv(rows, cv).items():
        chosen[s]["cv_auc_joined"] = auc
    coefs, gram_coefs, biases = [], [], []
    for s in SIGNALS:
        y = rows.labels[s]
        keep = y >= 0
        if chosen[s]["public_weight"] <= 0:
            keep &= rows.public == ""
        mean, spread = standardise(x[keep])
        balanced = s in settings.balanced
        w = row_weights(
            rows,
            y,
            keep,
            chosen[s]["public_weight"],
            balanced,
            settings.calm_weight,
            settings.tone_weight,
        )
        scale = gram_scale(rows, chosen[s]["gram_weight"], settings)
        design = design_matrix((x[keep] - mean) / spread, take_rows(rows.gram_rows, keep), scale)
        coef, bias = fit_head(design, y[keep], w[keep], chosen[s]["c"], settings)
        folded = coef[: x.shape[1]] / spread
        coefs.append(folded)
        grams = coef[x.shape[1] :] * scale if scale > 0 else np.zeros(len(rows.grams))
        gram_coefs.append(grams.astype(np.float32))
        biases.append(bias - float(np.dot(mean, folded)))
    weights_all = np.stack(coefs, axis=1)
    n_ml, n_en = rows.multilingual.shape[1], rows.english.shape[1] if settings.english else 0
    meta = {
        "heads": chosen,
        "thresholds": thresholds,
        "dev_rows": len(dev),
        "calm_dev_rows": len(calm_dev),
        "calm_cv_upset_rate": calm_upset_rate(rows, cv),
        "tone_dev_rows": len(tone_dev),
        "tone_cv_anger_auc": tone_cv(rows, cv),
        "trained_on": "customer_messages.jsonl dev split"
        + (f" + {tone_path.name} dev split" if tone_dev and tone_path is not None else "")
        + (f" + {calm_path.name} dev split" if calm_dev and calm_path is not None else ""),
        "folds": "grouped: parallel versions in other languages share a fold",
        "english_vector": settings.english,
    }
    # every gram stays when any head reads them (a row's TF-IDF is normalised over them all)
    used = list(range(len(rows.grams))) if any(g.any() for g in gram_coefs) else []
    heads = SignalHeads(
        weights_all[:n_ml],
        weights_all[n_ml : n_ml + n_en],
        weights_all[n_ml + n_en :],
        np.asarray(biases, dtype=np.float32),
        meta,
        tuple(rows.grams[i] for i in used),
        np.asarray(rows.gram_idf, np.float32)[used],
        np.stack(gram_coefs, axis=1)[used].astype(np.float32)
        if used
        else np.zeros((0, len(SIGNALS)), np.float32),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    heads.save(out)
    return heads
