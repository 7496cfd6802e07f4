"""P15 resolution cases as the API and the console read them: the case, its timeline, the
conversation's transcript (a mediator from another team reads it here), and the steps the caller
may take now. Visibility is `actions.cases.case_visible`: a case someone may not
see answers 404, like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.cases import case_visible, load_case, party_for
from calmdesk.actions.escalation import load_conversation
from calmdesk.analysis.cases import Party, State, allowed_steps
from calmdesk.domain.errors import NotFound
from calmdesk.storage.cases import ResolutionCase, ResolutionStep
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import User
from calmdesk.storage.records import Conversation, Turn
from calmdesk.web.deps import StaffPrincipal

__all__ = ["CaseRead", "case_read", "cases_of", "mediator_choices"]

_TURNS = 500  # the transcript a mediator or arbitrator reads beside the case


@dataclass(slots=True)
class CaseRead:
    case: ResolutionCase
    conversation: Conversation
    party: Party
    steps: list[ResolutionStep]
    allowed: list[str]
    variants: dict[str, list[str]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)

    @property
    def offers(self) -> list[ResolutionStep]:
        return [s for s in self.steps if s.step == "offer"]


def case_read(session: Session, user: StaffPrincipal, case_id: int) -> CaseRead:
    """The case with its steps and the caller's next steps; NotFound when they may not see it."""
    if not 0 < case_id < 2**31:
        raise NotFound(f"There is no resolution case {case_id} that you can see.")
    try:
        case = load_case(session, case_id, lock=False)
    except NotFound:
        session.commit()
        raise
    conv = load_conversation(session, case.conversation_id, lock=False)
    party = party_for(session, user.acting(), case, conv)
    if not case_visible(party, case):
        session.commit()
        raise NotFound(f"There is no resolution case {case_id} that you can see.")
    steps = list(
        session.scalars(
            select(ResolutionStep)
            .where(ResolutionStep.case_id == case.id)
            .order_by(ResolutionStep.seq)
        )
    )
    moves = allowed_steps(State(case.state), party, case.amount, case.first_arbitrator_id)
    variants: dict[str, list[str]] = {}
    for move in moves:
        variants.setdefault(move.step, []).append(move.variant)
    ids = {s.actor_user_id for s in steps} | {case.mediator_id, case.decided_by_id}
    names = _names(session, {i for i in ids if i is not None})
    turns = list(
        session.scalars(
            select(Turn).where(Turn.conversation_id == conv.id).order_by(Turn.seq).limit(_TURNS)
        )
    )
    read = CaseRead(case, conv, party, steps, list(variants), variants, names, turns)
    session.commit()
    return read


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {row.id: row.display_name for row in rows}


def cases_of(session: Session, conversation_id: int) -> list[ResolutionCase]:
    """The cases of a conversation the caller can already see (newest first)."""
    query = select(ResolutionCase).where(ResolutionCase.conversation_id == conversation_id)
    found = list(session.scalars(query.order_by(ResolutionCase.id.desc())))
    session.commit()
    return found


def mediator_choices(session: Session, conversation: Conversation) -> list[dict[str, Any]]:
    """Active supervisors and admins from outside the conversation's team."""
    query = select(User).where(
        User.is_active.is_(True), User.role.in_([UserRole.SUPERVISOR, UserRole.ADMIN])
    )
    people = [
        {"id": u.id, "name": u.display_name, "team": u.team.name if u.team else "no team"}
        for u in session.scalars(query.order_by(User.display_name))
        if conversation.team_id is None or u.team_id != conversation.team_id
    ]
    session.commit()
    return people
