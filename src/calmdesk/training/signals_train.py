"""Training the learned customer signals (`analysis/models/customer_signals.npz`).

Rows: the DEV split of `tests/data/labelled/customer_messages.jsonl`, of the anger/frustration set
`customer_tone.jsonl` and of the calm messages `customer_calm.jsonl` (the test splits are never
read here; only `benchmarks/bench_customer.py` reads them, for the final figures). Each item is
read as the pipeline reads it: its earlier turns first (their rule signals are the history), then
the turn itself through every rule scorer (`scorers.rule_reading`); its feature row is the
multilingual vector, the English vector (off by default), `model.rule_features` (with the
`anger_cues`) and, for the heads that cross-validation gives it, the character n-gram TF-IDF block
(`customer.grams`, its vocabulary from the labelled dev texts). Folds are grouped: parallel
versions of one situation in other languages share a fold (`fold_groups`). Public rows are offered
per signal where they fit (`PUBLIC`: iSarcasmEval for sarcasm, GermEval 2018 for abuse, TweetEval
emotion and BRIGHTER for anger), at a weight that cross-validation chooses (0 = not used; public
rows only ever join the training folds). Each head's regularisation C and n-gram weight are chosen
by 5-fold cross-validated ROC AUC on the dev rows; each request or threat's threshold (the
probability at which the model adds a mention the rules did not find) by the cross-validated F1 of
the rules and the model together. No randomness: the same data give the same file.
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
    "calm_upset_rate",
    "cv_scores",
    "default_calm",
    "default_tone",
    "fold_groups",
    "joined",
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
    # the character n-gram block (`customer.grams`) at these weights (0: a head without it),
    # chosen per head with C; its vocabulary from the labelled training texts
    gram_weights: tuple[float, ...] = (0.0, 1.0)
    # each calm row's weight beside a labelled row's (2: dev CV calm rows read upset 5% -> 3%)
    calm_weight: float = 2.0
    # each anger/frustration row's (customer_tone.jsonl) weight beside a labelled row's
    tone_weight: float = 1.0
    gram_min_df: int = 2
    gram_size: int = 30_000
    # True: each head's settings by the CV AUC of the signal as reported (joined with the rules
    # and the other heads, those at their own best), except the heads in `by_head`, chosen by
    # their own CV AUC. A head alone can lead another way on a near tie (sarcasm C 0.1 vs 0.01:
    # AUC 0.9805 vs 0.9808 alone, while the reported sarcasm reads the upset head too). Off in
    # the packaged file's recipe (docs/models.md: on, it changes anger's C and manager's n-grams)
    choose_by_joined: bool = False
    by_head: tuple[str, ...] = ("upset",)


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
    texts: list[str] = field(default_factory=list)  # every row's (last) turn
    calm: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # rows of the calm set
    tone: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # the tone set's rows
    grams: tuple[str, ...] = ()  # the n-gram vocabulary (from the labelled rows' texts)
    gram_idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    gram_rows: Any = None  # scipy CSR (rows, len(grams)): every row's n-gram TF-IDF

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


def fold_groups(items: Sequence[LabelledCustomer]) -> list[str]:
    """The cross-validation group of each item: parallel versions of one situation in other
    languages (consecutive items not in English, each version at the same position in a block
    of ten: the same id number mod 10) share a group, so they never sit on both sides of a
    fold; every other item is a group of its own."""
    out: list[str] = []
    run, before = 0, "en"
    for it in items:
        if it.language != "en" and before == "en":
            run += 1
        before = it.language
        number = "".join(ch for ch in it.id if ch.isdigit()) or "0"
        prefix = it.id.rstrip("0123456789")
        out.append(it.id if it.language == "en" else f"{prefix}:{run}:{int(number) % 10}")
    return out


def signal_rows(
    items: Sequence[LabelledCustomer],
    data_dir: Path | None = None,
    settings: SignalSettings = DEFAULT,
    calm: Sequence[LabelledCustomer] = (),
    tone: Sequence[LabelledCustomer] = (),
) -> SignalRows:
    """Feature rows for training and cross-validation: the labelled items, the anger/frustration
    items (`tone`), the calm items (`calm`; both labelled the same way), then public rows (only
    with `data_dir`)."""
    from scipy import sparse

    from calmdesk.analysis.customer.grams import fit_vocabulary, tfidf_rows

    labelled = [*items, *tone, *calm]
    conversations: list[list[str]] = [[*it.context, it.text] for it in labelled]
    labels = {s: [int(bool(it.labels.get(s, 0))) for it in labelled] for s in SIGNALS}
    groups = fold_groups(items) + fold_groups(tone) + fold_groups(calm)
    folds = [fold_of(g, settings.folds) for g in groups]
    public = [""] * len(labelled)
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
    texts = [c[-1] for c in conversations]
    vocabulary, idf = fit_vocabulary(
        texts[: len(labelled)], settings.gram_min_df, settings.gram_size
    )
    r, c, v = tfidf_rows(texts, {g: i for i, g in enumerate(vocabulary)}, idf)
    gram_rows = sparse.csr_matrix((v, (r, c)), shape=(len(texts), len(vocabulary)))
    is_calm = np.zeros(len(texts), bool)
    is_calm[len(items) + len(tone) : len(labelled)] = True
    is_tone = np.zeros(len(texts), bool)
    is_tone[len(items) : len(items) + len(tone)] = True
    return SignalRows(
        ml,
        en,
        rules,
        {s: np.asarray(v, dtype=np.int64) for s, v in labels.items()},
        kinds,
        np.asarray(folds, dtype=np.int64),
        np.asarray(public),
        [it.id for it in labelled],
        texts,
        is_calm,
        is_tone,
        tuple(vocabulary),
        idf,
        gram_rows,
    )


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    return mean.astype(np.float32), np.maximum(x.std(axis=0), 1e-3).astype(np.float32)


def _gram_scale(rows: SignalRows, gram_weight: float, settings: SignalSettings) -> float:
    """What the n-gram rows (L2 norm 1) are multiplied by beside the standardised dense part
    (norm about sqrt(width)): `gram_weight` times that norm."""
    return float(gram_weight * np.sqrt(rows.features(settings.english).shape[1]))


def _design(dense: np.ndarray, grams: Any, scale: float) -> Any:
    """The standardised dense features, with the n-gram block beside them when `scale` > 0."""
    if scale <= 0 or grams is None or grams.shape[1] == 0:
        return dense
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(dense), grams * scale], format="csr")


def _fit(
    x: Any, y: np.ndarray, w: np.ndarray, c: float, settings: SignalSettings
) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model_ = LogisticRegression(C=c, max_iter=settings.max_iter, tol=1e-4)
    model_.fit(x, y, sample_weight=w)
    return model_.coef_[0].astype(np.float32), float(model_.intercept_[0])


def _weights(
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
    scale = _gram_scale(rows, gram_weight, settings)
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
        mean, spread = _standardise(x[train])
        w = _weights(
            rows,
            y,
            train,
            public_weight,
            signal in settings.balanced,
            settings.calm_weight,
            settings.tone_weight,
        )
        grams = rows.gram_rows
        fit_x = _design((x[train] - mean) / spread, _take(grams, train), scale)
        coef, bias = _fit(fit_x, y[train], w[train], c, settings)
        z = _design((x[test] - mean) / spread, _take(grams, test), scale) @ coef + bias
        out[test[dev]] = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return out


def _take(grams: Any, keep: np.ndarray) -> Any:
    return None if grams is None else grams[np.flatnonzero(keep)]


def _f1(truth: np.ndarray, said: np.ndarray) -> float:
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


def default_calm() -> Path:
    """tests/data/labelled/customer_calm.jsonl of this checkout (may not exist)."""
    return default_labelled().with_name("customer_calm.jsonl")


def default_tone() -> Path:
    """tests/data/labelled/customer_tone.jsonl of this checkout (may not exist)."""
    return default_labelled().with_name("customer_tone.jsonl")


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
            f1s = {t: _f1(truth, found | (best.scores >= t)) for t in settings.thresholds}
            t_best = max(settings.thresholds, key=lambda t: (f1s[t], t))
            thresholds[s] = t_best
            chosen[s] |= {
                "threshold": t_best,
                "cv_f1": round(f1s[t_best], 4),
                "rules_f1": round(_f1(truth, found), 4),
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
        mean, spread = _standardise(x[keep])
        balanced = s in settings.balanced
        w = _weights(
            rows,
            y,
            keep,
            chosen[s]["public_weight"],
            balanced,
            settings.calm_weight,
            settings.tone_weight,
        )
        scale = _gram_scale(rows, chosen[s]["gram_weight"], settings)
        design = _design((x[keep] - mean) / spread, _take(rows.gram_rows, keep), scale)
        coef, bias = _fit(design, y[keep], w[keep], chosen[s]["c"], settings)
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
