"""Training the learned customer signals on a tiny hand-written labelled set (never its test split).

Read with the real encoders and heads (slow: loads the models)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from calmdesk.analysis.customer import model
from calmdesk.analysis.scoring import Models
from calmdesk.domain import MalformedInput, ModelUnavailable, NotFound
from calmdesk.training.customer_train import LabelledCustomer
from calmdesk.training.signals import SignalSettings, fold_groups, train_signal_heads

pytestmark = pytest.mark.slow
SMALL = SignalSettings(cs=(1.0,), folds=3, public_weights=(0.0,), thresholds=(0.5,))

_UPSET = [
    "Third email this week and still not a word back from anyone, I give up",
    "I am sick of waiting, the boiler has been broken since Monday and nobody came",
    "Cancel my membership today and put me through to your supervisor",
    "I'm disputing this payment with my bank and my lawyer hears about it too, idiots",
    "Oh marvellous, the new charger is dead as well. Superb quality, really",
    "Everyone on every forum will know how you treat people, you clowns",
]
_CALM = [
    "Could you tell me when the shop opens on Sunday",
    "Thanks, the replacement arrived this morning and works fine",
    "Please update my postcode, I moved to the flat next door",
    "No rush at all, just wondering about the size chart",
    "Lovely chat with your colleague earlier, everything is sorted",
    "Is there a student discount on the yearly plan",
]
_ON = dict.fromkeys(model.SIGNALS, 1)
_OFF = dict.fromkeys(model.SIGNALS, 0)


def _write(path: Path) -> Path:
    lines = []
    for n, text in enumerate(_UPSET * 2 + _CALM * 2):
        labels = _ON if n < 2 * len(_UPSET) else _OFF  # both copies of each upset text
        row = {"id": f"c{n:04d}", "split": "dev", "channel": "chat", "language": "en"}
        lines.append(row | {"context": [], "text": f"{text} ({n})", "labels": labels})
    test_row = {"id": "c9999", "split": "test", "language": "en", "context": []}
    lines.append(test_row | {"text": "TEST ONLY", "labels": _ON})
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", "utf-8")
    return path


def test_training_never_reads_the_test_split_and_is_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "c.jsonl")
    seen: list[str] = []
    real = Models.score

    def spy(self: Models, texts: list[str], roles: object = None) -> object:
        seen.extend(texts)
        return real(self, texts, roles)  # type: ignore[arg-type]

    monkeypatch.setattr(Models, "score", spy)
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    train_signal_heads(path, None, first, SMALL)
    train_signal_heads(path, None, second, SMALL)
    assert seen and "TEST ONLY" not in seen
    assert first.read_bytes() == second.read_bytes()
    heads = model.load(first)
    assert set(heads.meta["heads"]) == set(model.SIGNALS)
    assert set(heads.meta["thresholds"]) == set(model.MENTION_SIGNALS)
    assert heads.w_multilingual.shape == (512, len(model.SIGNALS))
    assert heads.w_rules.shape == (len(model.RULE_NAMES), len(model.SIGNALS))
    assert first.stat().st_size < 25 * 1024 * 1024


def test_trained_heads_rank_an_upset_turn_above_a_calm_one(tmp_path: Path) -> None:
    from calmdesk.analysis.context import TurnContext
    from calmdesk.analysis.customer.scorers import rule_reading
    from calmdesk.analysis.scoring import default_models

    out = tmp_path / "h.npz"
    train_signal_heads(_write(tmp_path / "c.jsonl"), None, out, SMALL)
    texts = ["Fourth time asking and nobody has replied, this is a disgrace", "What are your hours"]
    models = default_models()
    scored = models.score(texts)
    read = []
    for text in texts:
        ctx = TurnContext.build(text, scored[text].row(), embedding=scored[text].embedding)
        read.append(model.read(ctx, rule_reading(ctx), out))
    upset, calm = read
    assert upset is not None and calm is not None
    assert upset["upset"] > calm["upset"] and upset["waiting"] > calm["waiting"]


def test_a_labelled_set_missing_one_class_or_absent_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    row = {"id": "c0001", "split": "dev", "context": [], "text": "hello", "labels": _OFF}
    path.write_text(json.dumps(row) + "\n", "utf-8")
    with pytest.raises(MalformedInput, match="lack"):
        train_signal_heads(path, None, tmp_path / "o.npz", SMALL)
    with pytest.raises(NotFound):
        train_signal_heads(tmp_path / "absent.jsonl", None, tmp_path / "o.npz", SMALL)


def test_a_broken_or_mismatched_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a numpy file")
    with pytest.raises(ModelUnavailable):
        model.load(broken)
    other = tmp_path / "other.npz"
    width = len(model.SIGNALS)
    heads = model.SignalHeads(
        np.zeros((512, width)), np.zeros((0, width)), np.zeros((3, width)), np.zeros(width), {}
    )
    heads.save(other)
    with np.load(other) as z:
        meta = json.loads(str(z["meta"]))
    assert meta["rules"] == list(model.RULE_NAMES)  # saved with today's names...
    np.savez(other, **{k: v for k, v in np.load(other).items() if k != "meta"}, meta=np.array(
        json.dumps(meta | {"rules": ["something else"]})
    ))  # fmt: skip
    with pytest.raises(ModelUnavailable):
        model.load(other)  # ...and refused when they differ


def test_models_train_signals_writes_the_file_and_reports_dev_figures(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from calmdesk.cli import app

    out = tmp_path / "customer_signals.npz"
    args = [
        "models",
        "train",
        "--heads",
        "signals",
        "--labelled",
        str(_write(tmp_path / "c.jsonl")),
    ]
    args += ["--data-dir", str(tmp_path / "no-public-data"), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_file() and "dev cross-validated ROC AUC: upset" in result.output
    missing = CliRunner().invoke(app, [*args[:4], "--labelled", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "E2" in missing.output and "Traceback" not in missing.output


def _extra_set(
    path: Path, prefix: str, texts: list[str], labels: Callable[[int], dict[str, int]], test: str
) -> Path:
    """An extra labelled file: each text twice on the dev split, and one `test` row on the test
    split (which training must never read)."""
    rows = [
        {"id": f"{prefix}{n:04d}", "split": "dev", "language": "en", "context": []}
        | {"text": f"{text} ({n})", "labels": labels(n)}
        for n, text in enumerate(texts * 2, start=1)
    ]
    rows.append({"id": f"{prefix}9999", "split": "test", "language": "en", "context": []})
    rows[-1] |= {"text": test, "labels": labels(1)}
    path.write_text("\n".join(json.dumps(x) for x in rows) + "\n", "utf-8")
    return path


def _texts_scored(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the models score from now on (the list fills as training runs)."""
    seen: list[str] = []
    real = Models.score

    def spy(self: Models, texts: list[str], roles: object = None) -> object:
        seen.extend(texts)
        return real(self, texts, roles)  # type: ignore[arg-type]

    monkeypatch.setattr(Models, "score", spy)
    return seen


def test_calm_messages_train_too_and_their_test_split_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calm = _extra_set(tmp_path / "calm.jsonl", "k", _CALM, lambda n: _OFF, "CALM TEST ONLY")
    seen = _texts_scored(monkeypatch)
    out = tmp_path / "h.npz"
    grams = SignalSettings(cs=(1.0,), folds=3, public_weights=(0.0,), thresholds=(0.5,))
    train_signal_heads(_write(tmp_path / "c.jsonl"), None, out, grams, calm=calm)
    assert "CALM TEST ONLY" not in seen and any(t.startswith(_CALM[0]) for t in seen)
    heads = model.load(out)
    assert heads.meta["calm_dev_rows"] == 2 * len(_CALM)
    assert heads.meta["calm_cv_upset_rate"] is not None
    assert len(heads.grams) == heads.w_grams.shape[0] == heads.gram_idf.shape[0]


def test_parallel_versions_in_other_languages_share_a_fold_group() -> None:
    def item(n: int, language: str) -> LabelledCustomer:
        return LabelledCustomer(f"c{n:04d}", "dev", language, (), f"text {n}", {})

    items = [item(1, "en"), item(2, "en"), *(item(n, "de") for n in range(11, 21))]
    items += [item(n, "fr") for n in range(21, 31)] + [item(31, "en"), item(41, "es")]
    groups = fold_groups(items)
    assert groups[0] == "c0001" and groups[1] == "c0002"  # English items stand alone
    german, french = groups[2:12], groups[12:22]
    assert german == french and len(set(german)) == 10  # the same situation, the same group
    assert groups[-1] != german[0]  # a later run of other languages is another group


def test_tone_messages_train_but_do_not_choose_and_their_test_split_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calmdesk.training.signals import cv as signals_cv
    from calmdesk.training.signals import train as signals_train

    angry = dict(_OFF, upset=1, anger=1)
    tone = _extra_set(
        tmp_path / "tone.jsonl", "t", _UPSET, lambda n: angry if n % 2 else _OFF, "TONE TEST ONLY"
    )
    seen = _texts_scored(monkeypatch)
    scored: list[int] = []
    real_auc = signals_train.roc_auc

    def auc_spy(truth: np.ndarray, scores: np.ndarray) -> float:
        scored.append(len(truth))
        return real_auc(truth, scores)

    monkeypatch.setattr(signals_train, "roc_auc", auc_spy)
    monkeypatch.setattr(signals_cv, "roc_auc", auc_spy)
    out = tmp_path / "h.npz"
    train_signal_heads(_write(tmp_path / "c.jsonl"), None, out, SMALL, tone=tone)
    assert "TONE TEST ONLY" not in seen and any(t.startswith(_UPSET[0]) for t in seen)
    heads = model.load(out)
    assert heads.meta["tone_dev_rows"] == 2 * len(_UPSET)
    assert heads.meta["tone_cv_anger_auc"] is not None
    assert "tone.jsonl dev split" in heads.meta["trained_on"]
    main = 2 * (len(_UPSET) + len(_CALM))
    # the settings were chosen on the labelled set's rows only; the tone AUC is reported apart
    # (every AUC is of the labelled rows but one per request or threat with the rules, of all)
    both = main + 2 * len(_UPSET)
    assert set(scored) == {main, 2 * len(_UPSET), both}
    assert scored.count(both) == len(model.MENTION_SIGNALS)


def test_choosing_by_the_reported_signal_keeps_upset_by_its_own_head(tmp_path: Path) -> None:
    from dataclasses import replace

    two = SignalSettings(cs=(0.01, 1.0), folds=3, public_weights=(0.0,), thresholds=(0.5,))
    joined = replace(two, choose_by_joined=True)
    path = _write(tmp_path / "c.jsonl")
    by_head, first, second = tmp_path / "h.npz", tmp_path / "j1.npz", tmp_path / "j2.npz"
    train_signal_heads(path, None, by_head, two)
    train_signal_heads(path, None, first, joined)
    train_signal_heads(path, None, second, joined)
    assert first.read_bytes() == second.read_bytes()
    alone, reported = model.load(by_head).meta["heads"], model.load(first).meta["heads"]
    assert reported["upset"] == alone["upset"]
    assert all(reported[s]["c"] in two.cs for s in model.SIGNALS)
