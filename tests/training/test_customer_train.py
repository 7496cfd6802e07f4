"""The customer heads' recipe on a tiny hand-written sample: it trains, writes, reloads, repeats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from calmdesk.analysis.customer import heads as customer_heads
from calmdesk.analysis.customer.heads import CAUSE_TOPICS
from calmdesk.domain.errors import CalmdeskError
from calmdesk.training.customer_train import (
    BANKING_CAUSES,
    BITEXT_CAUSES,
    customer_rows,
    labelled_customers,
    refit_offensive,
    train_customer_heads,
)

pytestmark = pytest.mark.slow

SARCASTIC = [
    "Oh great, another Monday. Just what I needed",
    "Love waiting three hours for a bus, best day ever",
    "Wow, thanks for cancelling my flight, so kind",
    "Fantastic, the printer broke again. Brilliant",
]
SINCERE = [
    "Thank you for fixing my order so quickly",
    "The new phone works really well",
    "Lovely weather for a walk today",
    "Great to see you all at the party",
]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def customer_data(tiny_data: Path) -> Path:
    """tiny_data plus sarcasm, BRIGHTER, GermEval, banking77 and Bitext intents."""
    root = tiny_data
    sarcasm = [[t, "sarcastic", "sarcasm"] for t in SARCASTIC]
    sarcasm += [[t, "not_sarcastic", ""] for t in SINCERE]
    for split in ("train", "dev"):
        _write(root / "sarcasm" / f"{split}.csv", ["text", "label", "subtype"], sarcasm)
    emotions = ["text", "anger", "disgust", "fear", "joy", "sadness", "surprise"]
    brighter = [
        ["Ich bin so wütend, das ist eine Frechheit", "1", "0", "0", "0", "0", "0"],
        ["Das ist ekelhaft und widerlich", "0", "1", "0", "0", "0", "0"],
        ["Ich habe Angst vor morgen", "0", "0", "1", "0", "0", "0"],
        ["Ich freue mich so sehr, danke", "0", "0", "0", "1", "0", "0"],
        ["Ich bin traurig und enttäuscht", "0", "0", "0", "0", "1", "0"],
        ["Wie bitte? Das hätte ich nie gedacht", "0", "0", "0", "0", "0", "1"],
        ["Der Bus fährt um acht Uhr", "0", "0", "0", "0", "0", "0"],
    ]
    for folder in ("deu", "esp", "ptbr"):
        for split in ("train", "dev"):
            _write(root / "brighter" / folder / f"{split}.csv", emotions, brighter)
    germeval = [["Ihr seid alle Idioten", "OFFENSE", "INSULT"]] * 3
    germeval += [["Schönes Wetter heute in Berlin", "OTHER", "OTHER"]] * 3
    for split in ("train", "dev"):
        _write(root / "germeval2018" / f"{split}.csv", ["text", "coarse", "fine"], germeval)
    banking = [["my card still has not arrived", "card_arrival", "train"]] * 2
    banking += [["I was charged twice for one coffee", "transaction_charged_twice", "train"]] * 2
    banking += [["the card is not working at all", "card_not_working", "train"]] * 2
    banking += [["my PIN is blocked", "pin_blocked", "train"]] * 2
    banking += [["which currencies do you support", "fiat_currency_support", "train"]] * 2
    _write(root / "banking77" / "train.csv", ["text", "label", "split"], banking)
    header = ["text", "label", "category", "flags", "offensive", "split"]
    intents = [
        [f"where is my order number {i}", "track_order", "O", "B", "0", "all"] for i in range(6)
    ]
    intents += [
        [f"change my delivery address {i}", "change_shipping_address", "S", "B", "0", "all"]
        for i in range(6)
    ]
    intents += [["you useless idiots, fix my payment", "payment_issue", "P", "W", "1", "all"]] * 3
    for name in ("utterances_20k", "customer_service_8k"):
        _write(root / "bitext" / f"{name}.csv", header, intents)
    return root


def test_the_recipe_trains_every_customer_head_and_reads_back(
    customer_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "customer_heads.npz"
    labelled = tmp_path / "none.jsonl"
    heads = train_customer_heads(customer_data, out, labelled=labelled)
    assert set(heads.columns) == {"cause", "emotion", *customer_heads.BINARY}
    assert heads.columns["cause"][1] - heads.columns["cause"][0] == len(CAUSE_TOPICS)
    texts = ["Oh great, my parcel is late again. Brilliant", "Ich bin so wütend"]
    scores = customer_heads.predict(texts, path=out)
    assert scores.cause.shape == (2, len(CAUSE_TOPICS))
    assert np.allclose(scores.emotion.sum(axis=1), 1.0)
    assert all(0.0 <= float(p) <= 1.0 for p in scores.sarcasm)
    again = tmp_path / "again.npz"
    train_customer_heads(customer_data, again, labelled=labelled)
    assert again.read_bytes() == out.read_bytes()


def _char_rows(path: Path) -> tuple[np.ndarray, tuple[int, int]]:
    heads = customer_heads.load(path)
    f = heads.featurizer
    at = f.dim + len(f.words)
    return heads.weights[at : at + len(f.chars)], heads.columns["offensive"]


def test_the_recipe_gives_character_grams_to_the_offensive_head_alone(
    customer_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "customer_heads.npz"
    train_customer_heads(customer_data, out, labelled=tmp_path / "none.jsonl")
    rows, (start, end) = _char_rows(out)
    assert rows.shape[0] > 0 and rows[:, start:end].any()
    assert not np.delete(rows, range(start, end), axis=1).any()


def test_refitting_the_offensive_head_keeps_every_other_head(
    customer_data: Path, tmp_path: Path
) -> None:
    base, out = tmp_path / "base.npz", tmp_path / "refit.npz"
    train_customer_heads(customer_data, base, labelled=tmp_path / "none.jsonl")
    refit_offensive(customer_data, base, out)
    texts = ["Ihr seid alle Idioten", "Oh great, my parcel is late again", "Wo ist mein Paket?"]
    before = customer_heads.predict(texts, path=base)
    after = customer_heads.predict(texts, path=out)
    for name in ("sarcasm", "cause", "emotion", "anger", "complaint", "politeness"):
        assert np.array_equal(getattr(before, name), getattr(after, name)), name
    assert np.allclose(before.offensive, after.offensive, atol=1e-3)  # the same recipe
    again = tmp_path / "again.npz"
    refit_offensive(customer_data, base, again)
    assert again.read_bytes() == out.read_bytes()


def test_the_recipe_uses_only_the_dev_part_of_the_labelled_set(
    customer_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "customer_messages.jsonl"
    rows = [
        {
            "id": "c1",
            "split": "dev",
            "text": "the handle snapped off",
            "labels": {"cause": "defect"},
        },
        {"id": "c2", "split": "test", "text": "secret test item", "labels": {"cause": "billing"}},
        {"id": "c3", "split": "dev", "text": "half-written line"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", "utf-8")
    assert [i.id for i in labelled_customers(path, "dev")] == ["c1"]
    assert [i.id for i in labelled_customers(path, "test")] == ["c2"]
    rows = customer_rows(customer_data, labelled=path)
    every_text = {t for r in rows.values() for t in r.texts}
    assert "the handle snapped off" in rows["cause"].texts
    assert "secret test item" not in every_text


def test_the_recipe_refuses_data_without_both_classes(customer_data: Path, tmp_path: Path) -> None:
    _write(
        customer_data / "sarcasm" / "train.csv",
        ["text", "label", "subtype"],
        [[t, "not_sarcastic", ""] for t in SINCERE],
    )
    out = tmp_path / "h.npz"
    with pytest.raises(CalmdeskError):
        train_customer_heads(customer_data, out, labelled=tmp_path / "none.jsonl")
    assert not out.exists()


def test_the_intent_maps_name_only_calmdesk_causes() -> None:
    assert set(BITEXT_CAUSES.values()) | set(BANKING_CAUSES.values()) <= set(CAUSE_TOPICS)
    assert BITEXT_CAUSES["change_shipping_address"] == "other"


def test_models_train_heads_customer_writes_the_customer_artefact(
    customer_data: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from calmdesk.cli import app

    out = tmp_path / "customer.npz"
    args = ["models", "train", "--heads", "customer", "--data-dir", str(customer_data)]
    args += ["--out", str(out), "--labelled", str(tmp_path / "none.jsonl")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_file() and f"wrote {out}" in result.output
    assert customer_heads.load(out).featurizer.dim == 512


def test_models_train_refuses_an_unknown_heads_name(tiny_data: Path) -> None:
    from typer.testing import CliRunner

    from calmdesk.cli import app

    result = CliRunner().invoke(app, ["models", "train", "--heads", "reply-ish"])
    assert result.exit_code == 2
    assert "--heads must be one of" in result.output and "Traceback" not in result.output
