"""The scope head: prototypes in and out of scope, the team's passages, the shipped artefact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calmdesk.analysis.bot.scope import ScopeHead, default_scope
from calmdesk.analysis.kb import KbIndex


def _unit(*rows: list[float]) -> np.ndarray:
    m = np.asarray(rows, np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


HEAD = ScopeHead(_unit([1, 0, 0]), ("track_order",), _unit([0, 1, 0]), margin=0.1)


def test_scope_head_nearer_the_outside_prototypes_is_out_of_scope() -> None:
    assert HEAD.check(_unit([1, 0.2, 0])[0])[::2] == ("track_order", True)
    assert HEAD.check(_unit([0.1, 1, 0])[0])[2] is False


def test_scope_head_counts_the_teams_passages_as_in_scope() -> None:
    question = _unit([0, 0.6, 1])[0]
    assert HEAD.check(question)[2] is False
    intent, _, ok = HEAD.check(question, kb=_unit([0, 0, 1]), kb_ids=("gift-cards",))
    assert ok and intent == "kb:gift-cards"


def test_scope_head_round_trips_through_its_file(tmp_path: Path) -> None:
    HEAD.save(tmp_path / "scope.npz")
    again = ScopeHead.read(tmp_path / "scope.npz")
    assert again.labels == HEAD.labels and again.margin == HEAD.margin
    assert np.allclose(again.inside, HEAD.inside, atol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "in_scope"),
    [
        ("what's the weather in paris tomorrow", False),
        ("set an alarm for 7am", False),
        ("how do I make pasta carbonara", False),
        ("Where can I follow my shipment?", True),
        ("How long is a gift voucher valid for?", True),
    ],
)
def test_scope_shipped_head_with_the_demo_articles(
    demo_index: KbIndex, text: str, in_scope: bool
) -> None:
    check = default_scope(demo_index)
    assert check is not None
    assert check(text)[2] is in_scope
