"""The sentence encoder: shape, unit length, determinism, meaning, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from calmdesk.analysis import encoder
from calmdesk.domain.errors import MalformedInput

pytestmark = pytest.mark.slow


def test_encode_shape_and_dtype() -> None:
    vectors = encoder.encode(["my parcel is late", "thank you so much"])
    assert vectors.shape == (2, encoder.DIM)
    assert vectors.dtype == np.float32


def test_encode_vectors_have_unit_length() -> None:
    vectors = encoder.encode(["one", "a longer sentence about a refund that never came", ""])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_encode_is_deterministic_with_and_without_cache() -> None:
    text = "I have been waiting three weeks for my order"
    first = encoder.encode([text])
    encoder._cache.clear()
    second = encoder.encode([text])
    np.testing.assert_allclose(first, second, atol=1e-6)


def test_encode_batch_matches_single_texts() -> None:
    texts = ["short", "a much longer text that needs more padding than the first one does"]
    encoder._cache.clear()
    together = encoder.encode(texts)
    encoder._cache.clear()
    apart = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, apart, atol=1e-4)


@pytest.mark.parametrize(
    ("anchor", "similar", "unrelated"),
    [
        ("My package has not arrived yet", "The delivery is still missing", "I love cheese pizza"),
        ("You charged my card twice", "I was billed two times", "The weather is sunny today"),
        ("I cannot log in to my account", "My password does not work", "Dogs like to run"),
    ],
)
def test_encode_similar_sentences_are_closer(anchor: str, similar: str, unrelated: str) -> None:
    a, s, u = encoder.encode([anchor, similar, unrelated])
    assert float(a @ s) > float(a @ u) + 0.1


def test_encode_empty_list_gives_empty_array() -> None:
    assert encoder.encode([]).shape == (0, encoder.DIM)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02",
        "\ud800 lone surrogate",
        "<script>alert(1)</script>",
        "مرحبا 😡",
        "x" * 1_000_000,
    ],
)
def test_encode_odd_text_gives_a_finite_unit_vector(text: str) -> None:
    vector = encoder.encode([text])[0]
    assert np.isfinite(vector).all()
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3


@pytest.mark.parametrize("bad", ["a single string", b"bytes", [b"bytes in a list"], [None], [3]])
def test_encode_rejects_wrong_types(bad: object) -> None:
    with pytest.raises(MalformedInput):
        encoder.encode(bad)  # type: ignore[arg-type]


def test_thread_count_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALMDESK_ENCODER_THREADS", "3")
    assert encoder.thread_count() == 3
    monkeypatch.setenv("CALMDESK_ENCODER_THREADS", "zero")
    assert 1 <= encoder.thread_count() <= 4
