"""The pieces the learned customer signals read besides the sentence vector: the anger cues and
the character n-gram TF-IDF block, and the artefact that carries the block (no models load)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calmdesk.analysis.customer import model
from calmdesk.analysis.customer.anger_cues import CUE_NAMES, anger_cues
from calmdesk.analysis.customer.grams import fit_vocabulary, tfidf_rows


def _cues(text: str) -> dict[str, float]:
    return dict(zip(CUE_NAMES, anger_cues(text), strict=True))


@pytest.mark.parametrize(
    "text", ["", "   ", "!!!???", "a" * 5000, "🙂" * 40, "\x00\x01 binary-ish \ufffd", "OK"]
)
def test_cues_are_numbers_between_0_and_1_for_any_text(text: str) -> None:
    values = anger_cues(text)
    assert len(values) == len(CUE_NAMES)
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in values)


def test_cues_tell_hostile_demands_from_courteous_requests() -> None:
    hostile = _cues("Sort it out NOW, you useless lot!! How dare you?!")
    polite = _cues("Hello, could you please send me the invoice? Kind regards, Ana")
    for name in ("now", "accuse", "outrage", "exclamations", "doubled_marks", "capitals"):
        assert hostile[name] > 0.0 and polite[name] == 0.0, name
    assert polite["courtesy"] > hostile["courtesy"]


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Ich will sofort mein Geld zurück", "now"),
        ("Quiero hablar con un supervisor, ya.", "now"),
        ("Vous êtes des voleurs", "accuse"),
        ("C'est inadmissible", "outrage"),
        ("Chega, já estou farto disto", "fed_up"),
        ("Siete dei ladri", "accuse"),
        ("I've had enough of this", "fed_up"),
        ("Refund me or I'll go to the press", "or_else"),
        ("Bitte rufen Sie mich an, danke", "courtesy"),
    ],
)
def test_cues_are_read_in_the_supported_languages(text: str, cue: str) -> None:
    assert _cues(text)[cue] > 0.0


def test_words_inside_other_words_are_not_cues() -> None:
    cues = _cues("Snowdonia knowledge: the thieving magpie opera is unknown")
    assert cues["now"] == 0.0 and cues["accuse"] == 0.0


def test_tfidf_rows_are_unit_length_and_skip_unknown_grams() -> None:
    texts = ["refund me now", "refund please", "now please", "zzz qqq"]
    grams, idf = fit_vocabulary(texts, min_df=2)
    assert grams == sorted(grams) and len(idf) == len(grams) and (idf >= 1.0).all()
    vocabulary = {g: i for i, g in enumerate(grams)}
    rows, cols, values = tfidf_rows(texts, vocabulary, idf)
    assert 3 not in rows.tolist()  # nothing of "zzz qqq" is in two texts
    for i in (0, 1, 2):
        assert np.isclose(float(np.sum(values[rows == i] ** 2)), 1.0, atol=1e-5)
    empty = tfidf_rows(["", "zzz"], vocabulary, idf)
    assert all(len(part) == 0 for part in empty)


def _heads(grams: tuple[str, ...]) -> model.SignalHeads:
    width = len(model.SIGNALS)
    rng = np.random.default_rng(0)
    return model.SignalHeads(
        np.zeros((512, width), np.float32),
        np.zeros((0, width), np.float32),
        np.zeros((len(model.RULE_NAMES), width), np.float32),
        np.zeros(width, np.float32),
        {},
        grams,
        np.ones(len(grams), np.float32),
        rng.normal(size=(len(grams), width)).astype(np.float32),
    )


def test_the_gram_block_round_trips_through_the_artefact(tmp_path: Path) -> None:
    path = tmp_path / "signals.npz"
    heads = _heads((" no", "now", "ow "))
    heads.save(path)
    again = model.SignalHeads.read(path)
    assert again.grams == heads.grams
    texts = ["now now", "nothing known here", ""]
    assert np.allclose(again.gram_logits(texts), heads.gram_logits(texts))
    assert np.count_nonzero(again.gram_logits(["xyz"])) == 0
    assert again.gram_logits([]).shape == (0, len(model.SIGNALS))


def test_an_artefact_without_a_gram_block_reads_with_none(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    _heads(()).save(path)
    plain = model.SignalHeads.read(path)
    assert plain.grams == () and np.count_nonzero(plain.gram_logits(["anything at all"])) == 0


def test_the_packaged_artefact_reads_wording_through_its_gram_block() -> None:
    heads = model.load()
    assert len(heads.grams) > 1000 and heads.w_grams.shape == (len(heads.grams), 11)
    assert heads.meta["calm_dev_rows"] > 0
    anger = model.SIGNALS.index("anger")
    shares = heads.gram_logits(["you useless thieves", "could you please help"])[:, anger]
    assert shares[0] > shares[1]


@pytest.mark.parametrize(
    "text",
    [
        "Sort it out NOW, you useless lot!!",
        "http://shop.example/x?y=1 @Bob, İstanbul Straße ß",
        "word " * 600 + "after the first 2,000 characters",
        "\tnew\nlines\t and   spaces ",
        "",
    ],
)
def test_the_run_time_gram_reader_agrees_with_the_training_rows(text: str) -> None:
    heads = model.load()
    vocabulary = {g: i for i, g in enumerate(heads.grams)}
    rows, cols, values = tfidf_rows([text], vocabulary, heads.gram_idf)
    want = (heads.w_grams[cols].astype(np.float64) * values[:, None]).sum(axis=0)
    assert np.allclose(heads.gram_logits([text])[0], want, atol=1e-5)


def test_an_inconsistent_gram_block_is_refused(tmp_path: Path) -> None:
    from calmdesk.domain import ModelUnavailable

    path = tmp_path / "bad.npz"
    _heads(("ab", "bc")).save(path)
    with np.load(path) as z:
        parts = dict(z.items())
    np.savez(path, **(parts | {"w_grams": np.zeros((5, len(model.SIGNALS)), np.float32)}))
    with pytest.raises(ModelUnavailable):
        model.load(path)
