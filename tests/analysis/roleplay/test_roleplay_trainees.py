"""Every shipped scenario against scripted trainees, read by the real analysis (models load)."""

from __future__ import annotations

import pytest
from tests.analysis.roleplay.trainees import GOOD, POOR

from calmdesk.analysis.llm import Message
from calmdesk.analysis.roleplay import Session, default_scenarios, scenario_by_id
from calmdesk.domain.errors import BackendUnavailable

pytestmark = pytest.mark.slow
IDS = [s.id for s in default_scenarios()]


def _play(
    scenario: str, replies: tuple[str, ...] | list[str], seed: int = 0, **kw: object
) -> Session:
    session = Session(scenario_by_id(scenario), seed, **kw)  # type: ignore[arg-type]
    for text in replies:
        if session.finished:
            break
        session.reply(text)
    return session


def test_every_scenario_has_scripted_trainees() -> None:
    assert sorted(GOOD) == sorted(IDS)


@pytest.mark.parametrize("scenario", IDS)
def test_good_trainee_resolves_within_the_turn_limit(scenario: str) -> None:
    session = _play(scenario, GOOD[scenario])
    assert session.outcome == "resolved"
    assert len(session.steps) <= scenario_by_id(scenario).max_turns
    assert session.mood.upset < scenario_by_id(scenario).start_upset


@pytest.mark.parametrize("scenario", IDS)
def test_poor_trainee_never_resolves_and_leaves_the_customer_more_upset(scenario: str) -> None:
    session = _play(scenario, POOR)
    assert session.outcome in ("abandoned", "escalated", "ongoing")
    assert session.mood.upset > scenario_by_id(scenario).start_upset
    assert session.score() < _play(scenario, GOOD[scenario]).score()


@pytest.mark.parametrize("scenario", ["late-order", "phone-outage", "abusive-refund"])
def test_same_seed_replays_identically(scenario: str) -> None:
    replies = [*POOR[:2], *GOOD[scenario]]
    assert _play(scenario, replies, seed=7).result() == _play(scenario, replies, seed=7).result()


def test_seeds_vary_the_customers_phrasing() -> None:
    openings = {Session(scenario_by_id("late-order"), seed).opening for seed in range(12)}
    assert len(openings) > 1


@pytest.mark.parametrize(
    "reply",
    [
        "",
        " \n\t ",
        "x" * 50_000,
        "you stupid idiot",
        "<script>alert(1)</script><b>hi</b>",
        "\x00\x01binary\xff",
        "🙂" * 300,
        "?",
    ],
)
def test_any_trainee_input_is_handled(reply: str) -> None:
    session = _play("late-order", [reply])
    result = session.result()
    assert len(result["mood"]) == 1 and 0 <= result["score"] <= 100
    assert all(isinstance(t["text"], str) for t in result["transcript"])


class _Down:
    def complete(self, messages: list[Message]) -> str:
        raise BackendUnavailable("the model server is down")


class _Echo:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls = 0

    def complete(self, messages: list[Message]) -> str:
        self.calls += 1
        return self.answer


def test_backend_failure_falls_back_to_the_offline_customer() -> None:
    offline = _play("late-order", GOOD["late-order"], seed=3).result()
    assert _play("late-order", GOOD["late-order"], seed=3, backend=_Down()).result() == offline


def test_backend_phrases_turns_but_never_reveals_unasked_facts() -> None:
    echo = _Echo("Honestly, where is my parcel? It's for my son.")
    session = _play("late-order", [POOR[0]], backend=echo)
    assert echo.calls == 2 and session.turns[-1].text == echo.answer
    leaky = _play(
        "late-order", [POOR[0]], seed=3, backend=_Echo("My order is CD-48213, obviously.")
    )
    assert "CD-48213" not in leaky.turns[-1].text  # unasked fact: the offline phrasing was used
