"""The analysis reads the recorded sample exactly as before, on every path (batch, cache, live).

`tests/data/same_reading.json` was recorded from the code before the speed work
(`tests/analysis/same_reading.py`); floats may differ by at most 1e-6.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from same_reading import FIXTURE, differences, fingerprint, snapshot

from calmdesk.analysis import Models, default_models
from calmdesk.analysis.pipeline import analyze_conversation, analyze_many
from calmdesk.analysis.wire import conversation_from_json
from calmdesk.domain import Conversation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    if data["models"] != fingerprint():
        pytest.fail(
            "The model files changed since tests/data/same_reading.json was recorded; re-record "
            "it with `PYTHONPATH=src python tests/analysis/same_reading.py --record` (only for a "
            "model change, never for a speed change)."
        )
    return data


def fresh_models() -> Models:
    """The project's models behind an empty cache (nothing remembered from other tests)."""
    shared = default_models()
    return Models(shared.encode, shared.predict)


def conversations(data: dict[str, Any], tag: str) -> list[Conversation]:
    """The recorded conversations under ids of their own, so no earlier reading is resumed."""
    return [conversation_from_json({**c, "id": f"{c['id']}-{tag}"}) for c in data["conversations"]]


def untagged(analyses: list[Any], tag: str) -> list[Any]:
    out = snapshot(analyses)
    for a in out:
        a["id"] = a["id"].removesuffix(f"-{tag}")
    return out


def assert_same(got: list[Any], want: list[Any]) -> None:
    found = differences(got, want)
    assert not found, "\n".join(found[:20])


@pytest.mark.parametrize("batch_turns", [512, 7])
def test_same_reading_in_batches(recorded: dict[str, Any], batch_turns: int) -> None:
    models = fresh_models()
    tag = f"batch{batch_turns}"
    got = list(analyze_many(conversations(recorded, tag), models=models, batch_turns=batch_turns))
    assert_same(untagged(got, tag), recorded["analyses"])


def test_same_reading_with_a_second_process(recorded: dict[str, Any]) -> None:
    """Batches shared with the helper process read exactly as batches read here alone."""
    from calmdesk.analysis import helper

    worker = helper.helper()
    assert worker is not None
    assert worker.ready.result(timeout=120) == "ready"  # loaded: it is given batches at once
    sent = worker.sent
    tag = "two"
    got = list(analyze_many(conversations(recorded, tag), batch_turns=7, processes=2))
    assert worker.sent > sent, "the helper process read none of the batches"
    assert_same(untagged(got, tag), recorded["analyses"])


def test_same_reading_from_the_cache(recorded: dict[str, Any]) -> None:
    models = fresh_models()
    list(analyze_many(conversations(recorded, "warm"), models=models))
    got = list(analyze_many(conversations(recorded, "cached"), models=models))
    assert_same(untagged(got, "cached"), recorded["analyses"])


def test_same_reading_live_turn_by_turn(recorded: dict[str, Any]) -> None:
    """A console re-sends each conversation with one more turn; the last reading is the same."""
    models = fresh_models()
    got = []
    for conversation in conversations(recorded, "live")[::3]:
        for n in range(1, len(conversation.turns) + 1):
            partial = Conversation(conversation.id, conversation.turns[:n])
            analysis = analyze_conversation(partial, models=models)
        got.append(analysis)
    assert_same(untagged(got, "live"), recorded["analyses"][::3])


def test_a_blank_agent_turn_gets_no_review_and_the_batch_goes_on() -> None:
    from calmdesk.analysis.pipeline import analyze_many
    from calmdesk.domain import AgentSignals, Conversation, Role, Turn

    blank = Conversation(
        "blank", (Turn(Role.CUSTOMER, "Where is my order?"), Turn(Role.AGENT, "  "))
    )
    fine = Conversation(
        "fine", (Turn(Role.CUSTOMER, "Where is my order?"), Turn(Role.AGENT, "Hi!"))
    )
    results = list(analyze_many([blank, fine]))
    assert [r.id for r in results] == ["blank", "fine"]
    empty = results[0].turns[1].signals
    assert isinstance(empty, AgentSignals) and empty.review is None
    reviewed = results[1].turns[1].signals
    assert isinstance(reviewed, AgentSignals) and reviewed.review is not None
