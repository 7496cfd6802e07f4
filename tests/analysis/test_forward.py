"""The multilingual encoder's forward pass, single-piece work kept, gives the package's vectors."""

from __future__ import annotations

import numpy as np
import pytest

from calmdesk.analysis.language import encoder
from calmdesk.analysis.language.forward import CachedForward

pytestmark = pytest.mark.slow

TEXTS = [
    "Where is my order? It is two weeks late and nobody answers!",
    "I'm so sorry about the wait, I've sent a replacement that ships tomorrow.",
    "Ich möchte mit Ihrem Vorgesetzten sprechen, sofort.",
    "¿Dónde está mi reembolso? Ya esperé tres semanas.",
    "Je veux annuler mon abonnement.",
    "😀👍 ok",
    "a",
    "HELLO?? " * 120,  # more pieces than one group holds
    "Kind of annoying, no big deal",
]


@pytest.fixture(scope="module")
def backend() -> object:
    model = encoder._model()
    assert isinstance(model, CachedForward)
    return model._b


def test_the_kept_work_gives_the_package_s_vectors(backend: object) -> None:
    fast = CachedForward(backend)
    want = backend.encode(TEXTS)  # type: ignore[attr-defined]
    first = fast.encode(TEXTS)
    again = fast.encode(TEXTS)  # every piece kept now
    assert first.shape == want.shape == (len(TEXTS), 512)
    assert np.abs(first - want).max() < 1e-6
    assert np.array_equal(first, again)
    assert fast.kept > 0


def test_a_full_table_starts_again_and_the_vectors_stay_the_same(backend: object) -> None:
    small = CachedForward(backend, capacity=40)
    want = backend.encode(TEXTS)  # type: ignore[attr-defined]
    for _ in range(2):  # the table fills, empties and fills again; one text alone overflows it
        got = np.vstack([small.encode([t]) for t in TEXTS])
        assert np.abs(got - want).max() < 1e-6
        assert small.kept <= 40


def test_encode_reads_texts_alone_whatever_the_batch(backend: object) -> None:
    fast = CachedForward(backend)
    alone = np.vstack([fast.encode([t]) for t in TEXTS])
    together = fast.encode(TEXTS)
    assert np.abs(alone - together).max() < 1e-6
    assert fast.encode([]).shape == (0, 512)
