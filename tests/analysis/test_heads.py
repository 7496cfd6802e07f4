"""The packaged heads: valid scores, sensible order on clear cases, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from calmdesk.analysis import heads
from calmdesk.analysis.language import encoder
from calmdesk.domain.errors import MalformedInput
from calmdesk.domain.signals import EMOTIONS

pytestmark = pytest.mark.slow

FURIOUS = "This is the THIRD time my order is late. I am absolutely furious with you people!!!"
THANKS = "Thanks so much, that solved it. Have a lovely day!"
INSULT = "you useless idiots, shut up"
PLAIN = "What are your opening hours on Saturday?"
COMPLAINT = "My parcel never arrived and I was still charged twice for it."
POLITE = "Could you please check my order when you have a moment? Thank you kindly."
RUDE = "Give me my money back right now, stupid."
SCARED = "I am really worried someone has stolen my card, I am scared"
LOST = "I don't understand this bill at all, what does this charge mean?"


def test_predict_gives_valid_distributions_and_probabilities() -> None:
    texts = [FURIOUS, THANKS, INSULT, PLAIN, "", "😡😡😡", "<b>hi</b>"]
    scores = heads.predict(texts)
    assert len(scores) == len(texts)
    assert scores.emotion.shape == (len(texts), len(EMOTIONS))
    np.testing.assert_allclose(scores.emotion.sum(axis=1), 1.0, atol=1e-5)
    for name in heads.BINARY_HEADS:
        values = getattr(scores, name)
        assert values.shape == (len(texts),)
        assert ((values >= 0) & (values <= 1)).all(), name


@pytest.mark.parametrize(
    ("head", "higher", "lower"),
    [
        ("anger", FURIOUS, THANKS),
        ("anger", INSULT, PLAIN),
        ("offensive", INSULT, PLAIN),
        ("offensive", INSULT, THANKS),
        ("complaint", COMPLAINT, PLAIN),
        ("complaint", FURIOUS, THANKS),
        ("politeness", POLITE, RUDE),
        ("politeness", THANKS, INSULT),
    ],
)
def test_predict_orders_clear_cases(head: str, higher: str, lower: str) -> None:
    scores = getattr(heads.predict([higher, lower]), head)
    assert scores[0] > scores[1]


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        (THANKS, "satisfaction"),
        (FURIOUS, "anger"),
        (SCARED, "anxiety"),
        (LOST, "confusion"),
        ("I am so sad and disappointed, it was a gift for my late mother", "sadness"),
    ],
)
def test_predict_top_emotion_of_clear_cases(text: str, emotion: str) -> None:
    distribution = heads.predict([text]).emotions(0)
    assert set(distribution) == set(EMOTIONS)
    ranked = sorted(distribution, key=distribution.__getitem__, reverse=True)
    assert emotion in ranked[:2], distribution


def test_predict_with_given_embeddings_matches_encoding_inside() -> None:
    texts = [FURIOUS, THANKS]
    inside = heads.predict(texts)
    given = heads.predict(texts, embeddings=encoder.encode(texts))
    np.testing.assert_allclose(inside.anger, given.anger, atol=1e-6)


def test_predict_empty_list_gives_empty_scores() -> None:
    scores = heads.predict([])
    assert len(scores) == 0 and scores.emotion.shape == (0, len(EMOTIONS))


@pytest.mark.parametrize("bad", ["one string", [1, 2], [None], b"bytes"])
def test_predict_rejects_wrong_types(bad: object) -> None:
    with pytest.raises(MalformedInput):
        heads.predict(bad)  # type: ignore[arg-type]


def test_predict_rejects_embeddings_of_the_wrong_shape() -> None:
    with pytest.raises(MalformedInput):
        heads.predict(["a", "b"], embeddings=np.zeros((1, encoder.DIM), dtype=np.float32))


def test_load_missing_artefact_is_model_unavailable(tmp_path) -> None:
    from calmdesk.domain.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable):
        heads.load(tmp_path / "missing.npz")
