"""Training the reply heads on a tiny hand-written labelled set (never its test split)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from calmdesk.analysis.reply import model
from calmdesk.domain import MalformedInput, NotFound
from calmdesk.training import reply_train
from calmdesk.training.reply_train import ReplySettings, read_replies, roc_auc, train_reply_heads

pytestmark = pytest.mark.slow
SMALL = ReplySettings(cs=(1.0,), folds=3, public_weights=(0.0,))

_KIND = [
    ("My parcel is a week late", "I'm so sorry your parcel is a week late, that is frustrating. "
     "I've sent a new one by express today. Which address should it go to?"),
    ("I was charged twice", "I'm sorry about the double charge, I can see how worrying that is. "
     "I've refunded the second payment. Could you confirm it shows by Friday?"),
    ("The app keeps crashing", "Apologies for the crashes, that sounds really annoying. "
     "I've reset your account so the app starts cleanly. Can you try it now?"),
    ("Nobody called me back", "I'm really sorry nobody called you back, that is not okay. "
     "I've booked a call for 3pm today. Does that time suit you?"),
]  # fmt: skip
_CURT = [
    ("My parcel is a week late", "You should have chosen express delivery."),
    ("I was charged twice", "As I already said, it is in the terms you accepted."),
    ("The app keeps crashing", "Most people manage to install it properly."),
    ("Nobody called me back", "Not my department. Ring the other team."),
]
_ALL = dict.fromkeys(
    ("empathy", "apology", "reflection", "asks_question", "offers_solution", "polite"), 1
)


def _write(path: Path, extra_test: str = "") -> Path:
    lines = []
    for n, (context, reply) in enumerate(_KIND * 3 + _CURT * 3):
        kind = n < len(_KIND) * 3
        labels = {k: int(kind) for k in _ALL} | {"blame": int(not kind)}
        row = {"id": f"r{n:03d}", "split": "dev", "channel": "chat", "team": "shop"}
        lines.append(row | {"context": [context], "reply": f"{reply} ({n})", "labels": labels})
    test_row = {"id": "t1", "split": "test", "context": ["x"], "reply": "TEST ONLY", "labels": {}}
    lines.append(test_row)
    text = "\n".join(json.dumps(x) for x in lines) + "\n" + extra_test
    path.write_text(text, "utf-8")
    return path


def test_read_replies_keeps_one_split_and_maps_polite(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl")
    dev = read_replies(path, "dev")
    assert len(dev) == 24 and all(r.reply != "TEST ONLY" for r in dev)
    assert set(dev[0].labels) == set(model.SIGNALS) and dev[0].labels["politeness"] == 1


def test_read_replies_errors_are_coded(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        read_replies(tmp_path / "absent.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"split": "dev", "id": 1}\n', "utf-8")
    with pytest.raises(MalformedInput, match="line 1"):
        read_replies(bad)


def test_training_never_reads_the_test_split_and_is_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "r.jsonl")
    seen: list[str] = []
    real = reply_train.embed

    def spy(texts, use_cache=True, **kw):
        seen.extend(texts)
        return real(texts, use_cache=False, **kw)

    monkeypatch.setattr(reply_train, "embed", spy)
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    train_reply_heads(path, None, first, SMALL)
    train_reply_heads(path, None, second, SMALL)
    assert "TEST ONLY" not in seen
    assert first.read_bytes() == second.read_bytes()
    heads = model.load(first)
    assert set(heads.meta["heads"]) == set(model.SIGNALS)
    assert first.stat().st_size < 25 * 1024 * 1024


def test_trained_heads_rank_a_kind_reply_above_a_curt_one(tmp_path: Path) -> None:
    out = tmp_path / "h.npz"
    train_reply_heads(_write(tmp_path / "r.jsonl"), None, out, SMALL)
    kind, curt = model.score_replies(
        ["I'm sorry it is late, I've sent a new one today. Which address?", "You should have "
         "read the terms."],
        [["My order is late"], ["My order is late"]],
        path=out,
    )  # fmt: skip
    assert kind["empathy"] > curt["empathy"] and curt["blame"] > kind["blame"]


def test_a_labelled_set_missing_one_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    labels = dict.fromkeys((*_ALL, "blame"), 0)
    row = {"id": "a", "split": "dev", "context": ["x"], "reply": "y", "labels": labels}
    path.write_text(json.dumps(row) + "\n", "utf-8")
    with pytest.raises(MalformedInput, match="lack"):
        train_reply_heads(path, None, tmp_path / "o.npz", SMALL)


def test_roc_auc_matches_the_definition() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_models_train_replies_writes_the_heads_and_reports_dev_figures(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from calmdesk.cli import app

    out = tmp_path / "reply_heads.npz"
    args = ["models", "train", "--heads", "replies", "--replies", str(_write(tmp_path / "r.jsonl"))]
    args += ["--data-dir", str(tmp_path / "no-public-data"), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_file() and "dev cross-validated ROC AUC: empathy" in result.output
    missing = CliRunner().invoke(app, [*args[:4], "--replies", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "E2" in missing.output and "Traceback" not in missing.output
