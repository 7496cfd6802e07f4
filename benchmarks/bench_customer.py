"""Customer reading beside VADER, profanity-check and keyword rules, in one run.

- sarcasm: iSarcasmEval dev; calmdesk's packaged sarcasm head (threshold 0.5); F1 of the
  sarcastic class and macro-F1.
- germeval: GermEval 2018 dev, coarse OFFENSE/OTHER; the packaged multilingual offensive head
  (threshold 0.5; it reads every dev tweet, as the pipeline reads a turn not in English); macro-F1.
- brighter-de/es/pt: BRIGHTER dev, 6 emotions multi-label; calmdesk = one-vs-rest heads trained
  on BRIGHTER train with the customer emotion heads' features (no character grams; as `calmdesk
  eval` does for its tasks); macro-F1 over the 6 labels; plus the ROC AUC of the packaged anger
  head against "anger".
- labelled: the project's own customer set (tests/data/labelled/customer_messages.jsonl), TEST
  split only (read here and nowhere else; nothing is trained or tuned on it): each turn read by
  `analyze_conversation` with its context; ROC AUC per signal (requests and threats: their
  `mention_scores`; `listed_roc_auc`: the 0/1 of a listed mention), cause and emotion macro-F1, and
  the same AUCs for the baselines' raw scores (VADER's negativity, profanity-check's probability,
  the keyword rules' negative-word score).
- labelled, calm: the project's calm customer messages (tests/data/labelled/customer_calm.jsonl),
  TEST split only: the share of turns read as upset (`upset >= 0.5`: the false-upset rate), and
  as angry, abusive or sarcastic (each >= 0.5), beside the share VADER reads as negative
  (compound <= -0.05) as a baseline; only the rates are reported, never which texts.
- labelled, tone: the project's anger/frustration set (tests/data/labelled/customer_tone.jsonl),
  TEST split only: the ROC AUC of the reported anger (and upset), and of anger among the angry
  and frustrated turns alone (the line the set is written for), beside the baselines' raw scores.

Baselines for the dev tasks are mapped as in `baselines.fit_and_predict` (a logistic regression
over the tool's scores fit on the task's train split). Run:
`python -m benchmarks.bench_customer [TASK ...]`; `run()` returns the dict.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

from benchmarks.baselines import fit_and_predict, keyword_rules, profanity, vader
from calmdesk.config import default_data_dir
from calmdesk.training import data as d

TASKS = ("sarcasm", "germeval", "brighter-de", "brighter-es", "brighter-pt", "labelled")
BASELINES: dict[str, Callable[[Sequence[str]], np.ndarray]] = {
    "vader": vader,
    "profanity-check": profanity,
    "keyword-rules": keyword_rules,
}
TARGETS = {"sarcasm": "sarcastic-class F1 >= 60", "germeval": "macro-F1 >= 76"}
PUBLISHED = {
    "sarcasm": "iSarcasmEval winner 60.5 (test)",
    "germeval": "GermEval 2018 runs: see the source repo's results.pdf (test)",
    "brighter-de": "SemEval-2025 Task 11 track A: see arXiv 2503.07269 (test)",
}


def _pct(x: float) -> float:
    return round(100 * float(x), 1)


def _vectors(texts: list[str]) -> np.ndarray:
    """Multilingual vectors, through the training cache (BRIGHTER train is already there)."""
    from calmdesk.training.embeddings import embed

    return embed(texts, multilingual=True)


def _customer_scores(texts: list[str]) -> Any:
    from calmdesk.analysis.customer import heads

    return heads.predict(texts, _vectors(texts))


def _binary_row(
    task: str, train: d.Labelled, dev: d.Labelled, positive: str, ours: np.ndarray
) -> dict[str, Any]:
    truth = [int(y == positive) for y in dev.labels]
    predicted = (ours >= 0.5).astype(int)
    row: dict[str, Any] = {"task": task, "n_train": len(train), "n_dev": len(dev)}
    row["calmdesk"] = {
        "f1_positive": _pct(f1_score(truth, predicted)),
        "macro_f1": _pct(f1_score(truth, predicted, average="macro")),
        "roc_auc": _pct(roc_auc_score(truth, ours)),
    }
    for name, scorer in BASELINES.items():
        labels = [str(y) for y in train.labels]
        got = [int(y == positive) for y in fit_and_predict(scorer, train.texts, labels, dev.texts)]
        row[name] = {
            "f1_positive": _pct(f1_score(truth, got)),
            "macro_f1": _pct(f1_score(truth, got, average="macro")),
        }
    row["target"] = TARGETS.get(task, "")
    row["published"] = PUBLISHED.get(task, "")
    return row


def _sarcasm(root: Path) -> dict[str, Any]:
    train, dev = d.sarcasm(root, "train"), d.sarcasm(root, "dev")
    scores = _customer_scores(dev.texts)
    row = _binary_row("sarcasm", train, dev, "sarcastic", scores.sarcasm)
    row["metric"] = "f1_positive"
    return row


def _germeval(root: Path) -> dict[str, Any]:
    train, dev = d.germeval(root, "train"), d.germeval(root, "dev")
    scores = _customer_scores(dev.texts)
    row = _binary_row("germeval", train, dev, "OFFENSE", scores.offensive)
    row["metric"] = "macro_f1"
    return row


def _multi_label_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean([f1_score(truth[:, j], predicted[:, j]) for j in range(truth.shape[1])]))


def _matrix(data: d.Labelled) -> np.ndarray:
    return np.array([[int(e in names) for e in d.BRIGHTER_EMOTIONS] for names in data.labels])


def _one_vs_rest(x_train: Any, y_train: np.ndarray, x_dev: Any) -> np.ndarray:
    out = np.zeros((x_dev.shape[0], y_train.shape[1]), dtype=int)
    for j in range(y_train.shape[1]):
        if len(set(y_train[:, j])) < 2:
            continue
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        model.fit(x_train, y_train[:, j])
        out[:, j] = model.predict(x_dev)
    return out


def _brighter(root: Path, language: str) -> dict[str, Any]:
    from calmdesk.analysis.customer.heads import load

    train, dev = d.brighter(root, language, "train"), d.brighter(root, language, "dev")
    y_train, y_dev = _matrix(train), _matrix(dev)
    # the features the emotion heads read: the character grams are the offensive head's alone
    featurizer = replace(load().featurizer, chars={}, char_idf=np.zeros(0))
    x_train = featurizer.transform(train.texts, _vectors(train.texts))
    x_dev = featurizer.transform(dev.texts, _vectors(dev.texts))
    row: dict[str, Any] = {"task": f"brighter-{language}", "metric": "macro_f1"}
    row["n_train"], row["n_dev"] = len(train), len(dev)
    anger = _customer_scores(dev.texts).anger
    angry = y_dev[:, d.BRIGHTER_EMOTIONS.index("anger")]
    row["calmdesk"] = {
        "macro_f1": _pct(_multi_label_f1(y_dev, _one_vs_rest(x_train, y_train, x_dev))),
        "anger_head_roc_auc": _pct(roc_auc_score(angry, anger))
        if 0 < angry.sum() < len(angry)
        else None,
    }
    for name, scorer in BASELINES.items():
        s_train, s_dev = scorer(train.texts), scorer(dev.texts)
        row[name] = {
            "macro_f1": _pct(_multi_label_f1(y_dev, _one_vs_rest(s_train, y_train, s_dev)))
        }
    row["published"] = PUBLISHED.get(f"brighter-{language}", PUBLISHED["brighter-de"])
    return row


_BINARY_SIGNALS = ("upset", "anger", "abuse", "sarcasm", "urgency", "waiting")
_MENTIONS = {
    "manager_request": "supervisor",
    "cancel_request": "cancel",
    "legal_threat": "legal",
    "chargeback_threat": "chargeback",
    "public_threat": "public_review",
}


def _signal_scores(items: list[Any]) -> list[dict[str, Any]]:
    from calmdesk.analysis import analyze_many
    from calmdesk.domain import Conversation, CustomerSignals, Role, Turn

    conversations = [
        Conversation(
            item.id,
            tuple(Turn(Role.CUSTOMER, t) for t in (*item.context, item.text)),
        )
        for item in items
    ]
    out = []
    for analysis in analyze_many(conversations):
        s = analysis.turns[-1].signals
        assert isinstance(s, CustomerSignals)
        kinds = {m.kind.value for m in (*s.requests, *s.threats)}
        row: dict[str, Any] = {k: getattr(s, k) for k in _BINARY_SIGNALS}
        # the reading's score of each request and threat (1.0 where a mention is listed by the
        # rules); the listed mentions alone (0/1) are scored too, as `listed`
        row |= {
            label: float(s.mention_scores.get(kind, float(kind in kinds)))
            for label, kind in _MENTIONS.items()
        }
        row["listed"] = {label: float(kind in kinds) for label, kind in _MENTIONS.items()}
        row["cause"] = s.cause.value
        row["emotion"] = max(s.emotion, key=lambda e: s.emotion[e])
        row["language"], row["supported"] = s.language, s.language_supported
        out.append(row)
    return out


def _auc(truth: list[int], scores: list[float]) -> float | None:
    if not 0 < sum(truth) < len(truth):
        return None
    return _pct(roc_auc_score(truth, scores))


def labelled_figures(items: list[Any]) -> dict[str, Any]:
    """ROC AUC per signal and cause/emotion macro-F1 of calmdesk and the baselines on `items`."""
    got = _signal_scores(items)
    texts = [item.text for item in items]
    base = {
        "vader": vader(texts)[:, 0].tolist(),  # negativity
        "profanity-check": profanity(texts)[:, 0].tolist(),
        "keyword-rules": keyword_rules(texts)[:, 2].tolist(),  # negative words
    }
    figures: dict[str, Any] = {"n": len(items), "roc_auc": {}, "baselines_roc_auc": {}}
    for label in (*_BINARY_SIGNALS, *_MENTIONS):
        truth = [int(bool(item.labels.get(label, 0))) for item in items]
        figures["roc_auc"][label] = _auc(truth, [g[label] for g in got])
        figures["baselines_roc_auc"][label] = {k: _auc(truth, v) for k, v in base.items()}
        if label in _MENTIONS:
            listed = [g["listed"][label] for g in got]
            figures.setdefault("listed_roc_auc", {})[label] = _auc(truth, listed)
    for name in ("cause", "emotion"):
        truth_labels = [str(item.labels.get(name, "")) for item in items]
        predicted = [g[name] for g in got]
        figures[f"{name}_macro_f1"] = _pct(f1_score(truth_labels, predicted, average="macro"))
        figures[f"{name}_accuracy"] = _pct(np.mean(np.array(truth_labels) == np.array(predicted)))
    for group, keep in (
        ("english", lambda it: it.language == "en"),
        ("other_supported", lambda it: it.language in ("de", "es", "fr", "pt", "it")),
    ):
        chosen = [(it, g) for it, g in zip(items, got, strict=True) if keep(it)]
        truth = [int(bool(it.labels.get("upset", 0))) for it, _ in chosen]
        figures[f"upset_roc_auc_{group}"] = _auc(truth, [g["upset"] for _, g in chosen])
    unsupported = [
        (it, g)
        for it, g in zip(items, got, strict=True)
        if it.language not in ("en", "de", "es", "fr", "pt", "it")
    ]
    if unsupported:
        flagged = sum(1 for _, g in unsupported if not g["supported"])
        figures["unsupported_flagged"] = f"{flagged}/{len(unsupported)}"
    return figures


def calm_figures(items: list[Any]) -> dict[str, Any]:
    """How many of `items` (calm messages) are read as upset, angry, abusive or sarcastic."""
    from calmdesk.analysis import UPSET_AT

    got = _signal_scores(items)
    figures: dict[str, Any] = {"n": len(items)}
    for label in ("upset", "anger", "abuse", "sarcasm"):
        figures[f"read_{label}_pct"] = _pct(np.mean([g[label] >= UPSET_AT for g in got]))
    figures["mean_upset"] = round(float(np.mean([g["upset"] for g in got])), 3)
    english = [
        g["upset"] >= UPSET_AT for it, g in zip(items, got, strict=True) if it.language == "en"
    ]
    other = [
        g["upset"] >= UPSET_AT for it, g in zip(items, got, strict=True) if it.language != "en"
    ]
    figures["read_upset_pct_english"] = _pct(float(np.mean(english))) if english else None
    figures["read_upset_pct_other"] = _pct(float(np.mean(other))) if other else None
    compound = vader([it.text for it in items])[:, 3]  # VADER's own "negative": <= -0.05
    figures["baselines_read_upset_pct"] = {
        "vader_negative": _pct(float(np.mean(compound <= -0.05)))
    }
    return figures


def tone_figures(items: list[Any]) -> dict[str, Any]:
    """ROC AUC of the reported anger and upset on `items` (the tone set), and of anger among
    the angry and frustrated items alone, with the baselines' raw scores beside them."""
    got = _signal_scores(items)
    texts = [item.text for item in items]
    base = {
        "vader": vader(texts)[:, 0].tolist(),
        "profanity-check": profanity(texts)[:, 0].tolist(),
        "keyword-rules": keyword_rules(texts)[:, 2].tolist(),
    }
    line = [
        i for i, item in enumerate(items) if item.labels.get("emotion") in ("anger", "frustration")
    ]
    figures: dict[str, Any] = {"n": len(items), "n_angry_or_frustrated": len(line)}
    for label in ("anger", "upset"):
        truth = [int(bool(item.labels.get(label, 0))) for item in items]
        figures[f"{label}_roc_auc"] = _auc(truth, [g[label] for g in got])
        figures[f"baselines_{label}_roc_auc"] = {k: _auc(truth, v) for k, v in base.items()}
    truth = [int(bool(items[i].labels.get("anger", 0))) for i in line]
    figures["anger_vs_frustration_roc_auc"] = _auc(truth, [got[i]["anger"] for i in line])
    return figures


def _labelled(root: Path) -> dict[str, Any]:
    from calmdesk.training.customer_train import default_labelled, labelled_customers
    from calmdesk.training.signals import default_calm, default_tone

    test = labelled_customers(default_labelled(), "test")
    row: dict[str, Any] = {"task": "labelled", "split": "test", "metric": "roc_auc"}
    if not test:
        row["notes"] = "tests/data/labelled/customer_messages.jsonl has no test items yet"
        return row
    row["calmdesk"] = labelled_figures(test)
    calm = labelled_customers(default_calm(), "test")
    if calm:
        row["calmdesk"]["calm"] = calm_figures(calm)
    tone = labelled_customers(default_tone(), "test")
    if tone:
        row["calmdesk"]["tone"] = tone_figures(tone)
    row["target"] = (
        "ROC AUC >= 90 for every signal; abuse beats profanity-check; calm messages not read "
        "as upset"
    )
    return row


def run_task(task: str, root: Path) -> dict[str, Any]:
    start = time.perf_counter()
    if task == "sarcasm":
        row = _sarcasm(root)
    elif task == "germeval":
        row = _germeval(root)
    elif task.startswith("brighter-"):
        row = _brighter(root, task.removeprefix("brighter-"))
    else:
        row = _labelled(root)
    row["seconds"] = round(time.perf_counter() - start, 1)
    return row


def run(tasks: list[str] | None = None, root: Path | None = None) -> dict[str, Any]:
    """Every task's row; `tasks` limits the list."""
    data_dir = root or default_data_dir()
    return {"kind": "customer", "tasks": [run_task(t, data_dir) for t in tasks or TASKS]}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1:] or None), indent=2))
