"""P15 resolution cases as data: tracks, states, the allowed transitions and who may take each step.

    negotiation  negotiating --offer/answer/common_ground--> negotiating
                 negotiating --agreed--> resolved | --not_agreed--> impasse
    mediation    awaiting_mediator --assign_mediator--> mediating --position--> mediating
                 mediating --proposal--> proposed --accept--> resolved
                 proposed --reject--> mediation_failed
    arbitration  arbitrating --decide--> decided --appeal (inside the window)--> appealed
                 decided --appeal_window_closed (timer)--> final; appealed --decide--> final
                 arbitrating, appealed --decision_overdue (timer)--> the same state
    any track    --escalate (supervisors)--> the next track; --close (supervisors)--> closed

Pure: the actions describe the person acting as a `Party` and ask `transition_for`, which answers
the transition or raises the coded refusal (E830-E849).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from calmdesk.domain.errors import Conflict, InputError, NotFound, PermissionDenied

__all__ = [
    "OPENING",
    "TERMINAL",
    "TRANSITIONS",
    "AppealWindowClosed",
    "ArbitratorLacksAuthority",
    "CaseAlreadyOpen",
    "MediatorNotEligible",
    "MediatorNotNeutral",
    "NotAllowedToAct",
    "Party",
    "PositionsMissing",
    "SameArbitrator",
    "State",
    "StepNotAllowed",
    "Track",
    "Transition",
    "UnknownOffer",
    "UnknownStep",
    "Who",
    "allowed_steps",
    "check_mediator",
    "may_act",
    "staff_sees",
    "track_of",
    "transition_for",
]


class StepNotAllowed(Conflict):
    code = "E830"
    default_message = "That step is not allowed in the case's current state."


class NotAllowedToAct(PermissionDenied):
    code = "E831"
    default_message = "You may not take that step on this case."


class MediatorNotNeutral(Conflict):
    code = "E832"
    default_message = "A mediator must come from outside the conversation's team."


class ArbitratorLacksAuthority(PermissionDenied):
    code = "E833"
    default_message = "Only an admin, or a supervisor whose authority covers the amount, decides."


class AppealWindowClosed(Conflict):
    code = "E834"
    default_message = "The appeal window has closed; the decision is final."


class SameArbitrator(PermissionDenied):
    code = "E835"
    default_message = "An appeal is decided by a different arbitrator than the first decision."


class PositionsMissing(Conflict):
    code = "E836"
    default_message = "Record both sides' positions before making a proposal."


class CaseAlreadyOpen(Conflict):
    code = "E837"
    default_message = "This conversation already has an open resolution case."


class UnknownStep(InputError):
    code = "E838"
    default_message = "That is not a step of a resolution case."


class UnknownOffer(NotFound):
    code = "E839"
    default_message = "There is no such offer on this case; answer one of the offers listed."


class MediatorNotEligible(Conflict):
    code = "E840"
    default_message = "A mediator must be an active supervisor or admin."


class Track(StrEnum):
    NEGOTIATION = "negotiation"
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"


class State(StrEnum):
    NEGOTIATING = "negotiating"
    IMPASSE = "impasse"
    AWAITING_MEDIATOR = "awaiting_mediator"
    MEDIATING = "mediating"
    PROPOSED = "proposed"
    MEDIATION_FAILED = "mediation_failed"
    ARBITRATING = "arbitrating"
    DECIDED = "decided"
    APPEALED = "appealed"
    FINAL = "final"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Who(StrEnum):
    """Who may take a step: `team` are staff who can see the conversation (its agent, its team's
    supervisors, admins); `supervisor` the supervisors and admins among them; `mediator` the
    assigned mediator; `arbitrator` an admin or a supervisor whose authority covers the amount;
    `system` calmdesk's own timers."""

    TEAM = "team"
    SUPERVISOR = "supervisor"
    MEDIATOR = "mediator"
    ARBITRATOR = "arbitrator"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Transition:
    step: str
    source: State
    target: State
    who: Who
    variant: str = ""


TERMINAL = frozenset({State.RESOLVED, State.CLOSED, State.FINAL})
OPENING: dict[Track, tuple[State, Who]] = {
    Track.NEGOTIATION: (State.NEGOTIATING, Who.TEAM),
    Track.MEDIATION: (State.AWAITING_MEDIATOR, Who.SUPERVISOR),
    Track.ARBITRATION: (State.ARBITRATING, Who.SUPERVISOR),
}
_TRACK = {
    State.NEGOTIATING: Track.NEGOTIATION,
    State.IMPASSE: Track.NEGOTIATION,
    State.AWAITING_MEDIATOR: Track.MEDIATION,
    State.MEDIATING: Track.MEDIATION,
    State.PROPOSED: Track.MEDIATION,
    State.MEDIATION_FAILED: Track.MEDIATION,
    State.ARBITRATING: Track.ARBITRATION,
    State.DECIDED: Track.ARBITRATION,
    State.APPEALED: Track.ARBITRATION,
    State.FINAL: Track.ARBITRATION,
}
_BEFORE_MEDIATION = (State.NEGOTIATING, State.IMPASSE)
_BEFORE_ARBITRATION = (*_BEFORE_MEDIATION, *(s for s, t in _TRACK.items() if t is Track.MEDIATION))
_S, _T = State, Who

TRANSITIONS: tuple[Transition, ...] = (
    Transition("offer", _S.NEGOTIATING, _S.NEGOTIATING, _T.TEAM),
    Transition("answer", _S.NEGOTIATING, _S.NEGOTIATING, _T.TEAM),
    Transition("common_ground", _S.NEGOTIATING, _S.NEGOTIATING, _T.TEAM),
    Transition("agreed", _S.NEGOTIATING, _S.RESOLVED, _T.TEAM),
    Transition("not_agreed", _S.NEGOTIATING, _S.IMPASSE, _T.TEAM),
    *(Transition("escalate", s, _S.AWAITING_MEDIATOR, _T.SUPERVISOR, "mediation")
      for s in _BEFORE_MEDIATION),
    *(Transition("escalate", s, _S.ARBITRATING, _T.SUPERVISOR, "arbitration")
      for s in _BEFORE_ARBITRATION),
    Transition("assign_mediator", _S.AWAITING_MEDIATOR, _S.MEDIATING, _T.SUPERVISOR),
    Transition("assign_mediator", _S.MEDIATING, _S.MEDIATING, _T.SUPERVISOR),
    Transition("position", _S.MEDIATING, _S.MEDIATING, _T.MEDIATOR),
    Transition("proposal", _S.MEDIATING, _S.PROPOSED, _T.MEDIATOR),
    Transition("accept", _S.PROPOSED, _S.RESOLVED, _T.MEDIATOR),
    Transition("reject", _S.PROPOSED, _S.MEDIATION_FAILED, _T.MEDIATOR),
    Transition("decide", _S.ARBITRATING, _S.DECIDED, _T.ARBITRATOR),
    Transition("decide", _S.APPEALED, _S.FINAL, _T.ARBITRATOR),
    Transition("appeal", _S.DECIDED, _S.APPEALED, _T.TEAM),
    *(Transition("close", s, _S.CLOSED, _T.SUPERVISOR) for s in State if s not in TERMINAL),
    Transition("proposal_overdue", _S.MEDIATING, _S.MEDIATING, _T.SYSTEM),
    Transition("appeal_window_closed", _S.DECIDED, _S.FINAL, _T.SYSTEM),
    Transition("decision_overdue", _S.ARBITRATING, _S.ARBITRATING, _T.SYSTEM),
    Transition("decision_overdue", _S.APPEALED, _S.APPEALED, _T.SYSTEM),
)  # fmt: skip
STEPS = frozenset(t.step for t in TRANSITIONS)


@dataclass(frozen=True, slots=True)
class Party:
    """The person acting, as the rules see them (built by the actions from the database)."""

    user_id: int | None
    role: str | None  # agent, supervisor, admin; None for the system
    sees_conversation: bool = False
    is_mediator: bool = False
    authority_limit: float = 0.0
    handles_case: bool = False  # the conversation's assignee: never its arbitrator

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.role is None


def staff_sees(
    role: str, user_id: int, team_id: int | None, assignee_id: int | None, conv_team: int | None
) -> bool:
    """The console's visibility rule (web/access.py) for one conversation."""
    if role == "admin" or assignee_id == user_id:
        return True
    if team_id is None or conv_team != team_id:
        return False
    return role == "supervisor" or assignee_id is None


def may_act(who: Who, party: Party, amount: float | None) -> bool:
    """Whether `party` is among `who` for a case with `amount` in dispute."""
    if party.is_system:
        return who is Who.SYSTEM
    if who is Who.TEAM:
        return party.sees_conversation
    if who is Who.SUPERVISOR:
        return party.sees_conversation and party.role in ("supervisor", "admin")
    if who is Who.MEDIATOR:
        return party.is_mediator
    if who is Who.ARBITRATOR:
        if party.handles_case:
            return False
        return party.role == "admin" or (
            party.role == "supervisor" and party.authority_limit >= (amount or 0.0)
        )
    return False


def track_of(state: State, previous: Track) -> Track:
    """The track a state belongs to (resolved and closed keep the track they ended in)."""
    return _TRACK.get(state, previous)


def transition_for(
    state: State,
    step: str,
    party: Party,
    *,
    variant: str = "",
    amount: float | None = None,
    first_arbitrator_id: int | None = None,
    appeal_until: datetime | None = None,
    now: datetime | None = None,
) -> Transition:
    """The transition `party` takes with `step` from `state`, or the coded refusal."""
    if step not in STEPS:
        raise UnknownStep(f"{step!r} is not a step; use one of: {', '.join(sorted(STEPS))}.")
    if step == "appeal" and (state is State.FINAL or _past(appeal_until, now)):
        raise AppealWindowClosed()
    found = [t for t in TRANSITIONS if t.step == step and t.source is state]
    if variant:
        found = [t for t in found if t.variant == variant]
    if not found:
        raise StepNotAllowed(f"The step {step!r} is not allowed while the case is {state.value}.")
    transition = found[0]
    if not may_act(transition.who, party, amount):
        if transition.who is Who.ARBITRATOR and party.handles_case:
            raise NotAllowedToAct(
                "You are handling this conversation, so you cannot decide its arbitration: "
                "the decision must come from someone neutral."
            )
        if transition.who is Who.ARBITRATOR and party.role == "supervisor":
            raise ArbitratorLacksAuthority(
                f"Deciding needs an admin or a supervisor with authority of at least "
                f"{amount or 0:.2f}."
            )
        raise NotAllowedToAct(f"The step {step!r} is for the {_WHO_WORDS[transition.who]}.")
    if transition.step == "decide" and state is State.APPEALED:
        if party.user_id == first_arbitrator_id:
            raise SameArbitrator()
    return transition


def _past(until: datetime | None, now: datetime | None) -> bool:
    return until is not None and now is not None and now > until


_WHO_WORDS = {
    Who.TEAM: "staff who handle this conversation",
    Who.SUPERVISOR: "supervisors or admins of this conversation's team",
    Who.MEDIATOR: "assigned mediator",
    Who.ARBITRATOR: "arbitrator",
    Who.SYSTEM: "timers of calmdesk",
}


def allowed_steps(
    state: State, party: Party, amount: float | None, first_arbitrator_id: int | None = None
) -> list[Transition]:
    """The transitions `party` may take now (what the console offers as forms)."""
    out = []
    for t in TRANSITIONS:
        if t.source is not state or t.who is Who.SYSTEM or not may_act(t.who, party, amount):
            continue
        if t.step == "decide" and state is State.APPEALED and party.user_id == first_arbitrator_id:
            continue
        out.append(t)
    return out


def check_mediator(
    role: str, active: bool, team_id: int | None, conv_team: int | None, *, handles: bool = False
) -> None:
    """A mediator is an active supervisor or admin from outside the conversation's team, and not
    the person handling it."""
    if not active or role not in ("supervisor", "admin"):
        raise MediatorNotEligible()
    if conv_team is not None and team_id == conv_team:
        raise MediatorNotNeutral()
    if handles:
        raise MediatorNotNeutral("The person handling the conversation cannot mediate it.")
