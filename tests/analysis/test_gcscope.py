"""`analysis.gcscope`: the first threshold is raised while a batch is read, then put back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from calmdesk.analysis import gcscope


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*saved)


def test_the_first_threshold_is_raised_inside_and_put_back_after(
    thresholds: tuple[int, int, int],
) -> None:
    with gcscope.fewer_collections():
        assert gc.get_threshold() == (gcscope.BATCH_THRESHOLD, 10, 10)
    assert gc.get_threshold() == thresholds


def test_nested_and_overlapping_scopes_put_back_the_first_setting(
    thresholds: tuple[int, int, int],
) -> None:
    inside, leave = threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def other() -> None:
        with gcscope.fewer_collections():
            inside.set()
            leave.wait(5)
        seen.append(gc.get_threshold())

    thread = threading.Thread(target=other)
    with gcscope.fewer_collections():
        thread.start()
        assert inside.wait(5)
        with gcscope.fewer_collections():
            assert gc.get_threshold()[0] == gcscope.BATCH_THRESHOLD
    assert gc.get_threshold()[0] == gcscope.BATCH_THRESHOLD  # the other scope is still open
    leave.set()
    thread.join(5)
    assert seen == [thresholds] and gc.get_threshold() == thresholds


def test_an_error_inside_still_puts_the_setting_back(thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError), gcscope.fewer_collections():
        raise ValueError("a batch failed")
    assert gc.get_threshold() == thresholds


@pytest.mark.parametrize("first", [0, 50_000])
def test_collection_off_or_a_higher_threshold_is_left_alone(first: int) -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(first, 10, 10)
        with gcscope.fewer_collections():
            assert gc.get_threshold() == (first, 10, 10)
        assert gc.get_threshold() == (first, 10, 10)
    finally:
        gc.set_threshold(*saved)


def test_reading_a_batch_runs_inside_the_scope(
    thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from calmdesk.analysis import HeadRow, Models
    from calmdesk.analysis.pipeline import analyze_many
    from calmdesk.domain import Conversation, Role, Turn

    during: list[int] = []

    def encode(texts: list[str]) -> np.ndarray:
        during.append(gc.get_threshold()[0])
        return np.zeros((len(texts), 512), dtype=np.float32)

    models = Models(encode, lambda texts, vectors: [HeadRow.neutral() for _ in texts])
    conversation = Conversation("gc", (Turn(Role.CUSTOMER, "where is my parcel?"),))
    assert len(list(analyze_many([conversation], models=models))) == 1
    assert during and set(during) == {gcscope.BATCH_THRESHOLD}
    assert gc.get_threshold() == thresholds
