"""The P15 state machine as data: transitions, who may act, and the coded refusals (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calmdesk.analysis.cases import (
    OPENING,
    TERMINAL,
    TRANSITIONS,
    AppealWindowClosed,
    ArbitratorLacksAuthority,
    MediatorNotEligible,
    MediatorNotNeutral,
    NotAllowedToAct,
    Party,
    SameArbitrator,
    State,
    StepNotAllowed,
    Track,
    UnknownStep,
    Who,
    allowed_steps,
    check_mediator,
    staff_sees,
    track_of,
    transition_for,
)

AGENT = Party(3, "agent", sees_conversation=True, authority_limit=50)
SUPERVISOR = Party(2, "supervisor", sees_conversation=True, authority_limit=1000)
SMALL = Party(5, "supervisor", sees_conversation=True, authority_limit=100)
ADMIN = Party(1, "admin", sees_conversation=True, authority_limit=10_000)
MEDIATOR = Party(4, "supervisor", is_mediator=True, authority_limit=500)
SYSTEM = Party(None, None)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_cases_machine_terminal_states_have_no_way_out() -> None:
    assert not [t for t in TRANSITIONS if t.source in TERMINAL]
    reachable = {t.target for t in TRANSITIONS} | {state for state, _ in OPENING.values()}
    assert reachable == set(State)  # every state can be reached


@pytest.mark.parametrize(
    ("state", "step", "party", "target"),
    [
        (State.NEGOTIATING, "offer", AGENT, State.NEGOTIATING),
        (State.NEGOTIATING, "agreed", AGENT, State.RESOLVED),
        (State.NEGOTIATING, "not_agreed", AGENT, State.IMPASSE),
        (State.AWAITING_MEDIATOR, "assign_mediator", SUPERVISOR, State.MEDIATING),
        (State.MEDIATING, "position", MEDIATOR, State.MEDIATING),
        (State.MEDIATING, "proposal", MEDIATOR, State.PROPOSED),
        (State.PROPOSED, "accept", MEDIATOR, State.RESOLVED),
        (State.PROPOSED, "reject", MEDIATOR, State.MEDIATION_FAILED),
        (State.ARBITRATING, "decide", SUPERVISOR, State.DECIDED),
        (State.DECIDED, "appeal", AGENT, State.APPEALED),
        (State.APPEALED, "decide", ADMIN, State.FINAL),
        (State.DECIDED, "appeal_window_closed", SYSTEM, State.FINAL),
        (State.MEDIATION_FAILED, "close", SUPERVISOR, State.CLOSED),
    ],
)
def test_cases_machine_allowed_transitions(
    state: State, step: str, party: Party, target: State
) -> None:
    got = transition_for(state, step, party, amount=480, first_arbitrator_id=2)
    assert got.target is target


@pytest.mark.parametrize(
    ("variant", "state", "target"),
    [
        ("mediation", State.IMPASSE, State.AWAITING_MEDIATOR),
        ("arbitration", State.IMPASSE, State.ARBITRATING),
        ("arbitration", State.MEDIATION_FAILED, State.ARBITRATING),
    ],
)
def test_cases_machine_escalate_moves_up_a_track(variant: str, state: State, target: State) -> None:
    got = transition_for(state, "escalate", SUPERVISOR, variant=variant)
    assert got.target is target
    assert track_of(got.target, Track.NEGOTIATION).value == variant
    with pytest.raises(NotAllowedToAct):
        transition_for(state, "escalate", AGENT, variant=variant)


def test_cases_machine_refusals() -> None:
    with pytest.raises(StepNotAllowed):  # no way back from mediation to negotiation
        transition_for(State.MEDIATION_FAILED, "escalate", SUPERVISOR, variant="mediation")
    with pytest.raises(UnknownStep):
        transition_for(State.NEGOTIATING, "bribe", AGENT)
    with pytest.raises(NotAllowedToAct):
        transition_for(State.MEDIATING, "position", SUPERVISOR)
    with pytest.raises(ArbitratorLacksAuthority):
        transition_for(State.ARBITRATING, "decide", SMALL, amount=480)
    assert transition_for(State.ARBITRATING, "decide", SMALL, amount=80).target is State.DECIDED
    with pytest.raises(NotAllowedToAct):
        transition_for(State.ARBITRATING, "decide", AGENT, amount=0)
    with pytest.raises(SameArbitrator):
        transition_for(State.APPEALED, "decide", SUPERVISOR, first_arbitrator_id=2)
    with pytest.raises(NotAllowedToAct):  # people cannot fire a timer's step
        transition_for(State.DECIDED, "appeal_window_closed", ADMIN)


def test_cases_machine_appeal_window() -> None:
    until = NOW + timedelta(days=14)
    ok = transition_for(State.DECIDED, "appeal", AGENT, appeal_until=until, now=until)
    assert ok.target is State.APPEALED
    late = until + timedelta(seconds=1)
    with pytest.raises(AppealWindowClosed):
        transition_for(State.DECIDED, "appeal", AGENT, appeal_until=until, now=late)
    with pytest.raises(AppealWindowClosed):
        transition_for(State.FINAL, "appeal", AGENT)


def test_cases_machine_allowed_steps_are_what_the_console_offers() -> None:
    agent = {t.step for t in allowed_steps(State.NEGOTIATING, AGENT, None)}
    assert agent == {"offer", "answer", "common_ground", "agreed", "not_agreed"}
    supervisor = {t.step for t in allowed_steps(State.NEGOTIATING, SUPERVISOR, None)}
    assert supervisor == agent | {"escalate", "close"}
    assert [t.step for t in allowed_steps(State.APPEALED, SUPERVISOR, 480, 2)] == ["close"]
    assert not allowed_steps(State.FINAL, ADMIN, None)
    assert all(t.who is not Who.SYSTEM for t in allowed_steps(State.DECIDED, ADMIN, None))


@pytest.mark.parametrize(
    ("role", "active", "team", "error"),
    [
        ("supervisor", True, 1, MediatorNotNeutral),
        ("admin", True, 1, MediatorNotNeutral),
        ("agent", True, 2, MediatorNotEligible),
        ("supervisor", False, 2, MediatorNotEligible),
        ("supervisor", True, 2, None),
        ("admin", True, None, None),
    ],
)
def test_cases_machine_mediator_is_neutral(
    role: str, active: bool, team: int | None, error: type[Exception] | None
) -> None:
    if error is None:
        check_mediator(role, active, team, 1)
    else:
        with pytest.raises(error):
            check_mediator(role, active, team, 1)


def test_cases_machine_staff_visibility_matches_the_console_rule() -> None:
    assert staff_sees("admin", 1, None, None, 7)
    assert staff_sees("agent", 3, 7, 3, 7) and staff_sees("agent", 3, 7, None, 7)
    assert not staff_sees("agent", 3, 7, 9, 7) and not staff_sees("agent", 3, 8, None, 7)
    assert staff_sees("supervisor", 2, 7, 9, 7) and not staff_sees("supervisor", 2, 8, 9, 7)
