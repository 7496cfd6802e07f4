"""Role-play practice (V5): trainers assign scenarios, trainees play them, trainers comment.

A session is stored as its scenario, seed and the trainee's replies; `practice_reply` rebuilds the
simulated customer from them (it is deterministic) and adds the new reply, so a server restart or a
second process continues the same conversation. The replies are read by the context's analyzer.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.validate import clean_text
from calmdesk.analysis.reply import MAX_DRAFT_CHARS
from calmdesk.analysis.roleplay import Scenario, Session, parse_scenario, scenario_by_id
from calmdesk.analysis.roleplay.from_case import scenario_from_case
from calmdesk.domain import (
    AgentSignals,
    Conflict,
    Conversation,
    ConversationAnalysis,
    InputError,
    NotFound,
    PermissionDenied,
    Role,
    TurnAnalysis,
)
from calmdesk.storage import AuthorRole, Customer, Turn, User, UserRole
from calmdesk.storage import Conversation as ConversationRow
from calmdesk.storage.practice import (
    PracticeAssignment,
    PracticeComment,
    PracticeScenario,
    PracticeSession,
)

__all__ = [
    "assign_practice",
    "comment_on_practice",
    "find_scenario",
    "practise_case",
    "practice_reply",
    "replay_practice",
    "start_practice",
]

_TRAINERS = (UserRole.SUPERVISOR, UserRole.ADMIN)


def _user(session: DbSession, user_id: int | None) -> User:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound("That person does not exist.")
    return user


def _trains(trainer: User, team_id: int | None) -> bool:
    """Admins train everyone; a supervisor trains their own team."""
    return trainer.role is UserRole.ADMIN or (team_id is not None and trainer.team_id == team_id)


def assign_practice(
    ctx: ActionContext,
    actor: Actor,
    scenario_id: str,
    *,
    user_id: int | None = None,
    team_id: int | None = None,
    due_at: datetime | None = None,
    coaching: bool = True,
    note: str = "",
) -> PracticeAssignment:
    """A trainer (supervisor for their team, or admin) gives a scenario to one agent or a team."""
    actor.require_role(*_TRAINERS)
    if (user_id is None) == (team_id is None):
        raise InputError("Assign the scenario to one person or to one team.")
    if due_at is not None and (due_at.tzinfo is None or due_at <= ctx.now()):
        raise InputError("The due date must be in the future.")
    with ctx.sessions.begin() as session:
        trainer = _user(session, actor.user_id)
        target_team = _user(session, user_id).team_id if user_id is not None else team_id
        if user_id is not None and not _user(session, user_id).is_active:
            raise Conflict("That person's account is deactivated.")
        if not _trains(trainer, target_team):
            raise PermissionDenied("You can assign practice only to your own team.")
        find_scenario(session, scenario_id)
        row = PracticeAssignment(
            scenario_id=scenario_id,
            user_id=user_id,
            team_id=team_id,
            assigned_by_id=trainer.id,
            due_at=due_at,
            coaching=coaching,
            note=note.strip()[:2000] if isinstance(note, str) else "",
        )
        session.add(row)
        write_audit(session, actor, "practice.assigned", row, after=snapshot(row))
    return row


def _reader(ctx: ActionContext) -> Any:
    """Read a practice conversation with the context's analyzer; review the last reply if needed."""

    def read(conversation: Conversation) -> ConversationAnalysis:
        analysis = ctx.analysis.analyze(conversation)
        last = analysis.turns[-1].signals
        if isinstance(last, AgentSignals) and last.review is None:
            before = Conversation(conversation.id, conversation.turns[:-1])
            review = ctx.analysis.review(before, conversation.turns[-1].text, ctx.now())
            signals = AgentSignals(
                review.politeness,
                review.empathy,
                review.apology,
                review.asks_question,
                review.offers_solution,
                review=review,
            )
            analysis.turns[-1] = TurnAnalysis(Role.AGENT, signals)
        return analysis

    return read


def find_scenario(session: DbSession, scenario_id: str) -> Scenario:
    """A shipped scenario, or one made from a real case (`case-<n>`); NotFound otherwise."""
    if isinstance(scenario_id, str) and scenario_id.startswith("case-"):
        row = session.get(PracticeScenario, scenario_id)
        if row is not None:
            return parse_scenario(row.body, scenario_id)
    return scenario_by_id(scenario_id)


def replay_practice(ctx: ActionContext, row: PracticeSession, scenario: Scenario) -> Session:
    """The simulated conversation of a stored session, rebuilt from its seed and replies."""
    played = Session(scenario, row.seed, reader=_reader(ctx))
    for text in row.replies:
        if played.finished:
            break
        played.reply(text)
    return played


def _assignment_for(session: DbSession, trainee: User, assignment_id: int) -> PracticeAssignment:
    assignment = session.get(PracticeAssignment, assignment_id)
    mine = assignment is not None and (
        assignment.user_id == trainee.id
        or (assignment.team_id is not None and assignment.team_id == trainee.team_id)
    )
    if assignment is None or not mine:
        raise NotFound("That practice assignment is not yours.")
    return assignment


def start_practice(
    ctx: ActionContext,
    actor: Actor,
    scenario_id: str | None = None,
    *,
    assignment_id: int | None = None,
    seed: int | None = None,
    coaching: bool = True,
) -> PracticeSession:
    """A new practice session for the acting staff member: a scenario, or one assigned to them."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff practise.")
    with ctx.sessions.begin() as session:
        trainee = _user(session, actor.user_id)
        if assignment_id is not None:
            assignment = _assignment_for(session, trainee, assignment_id)
            scenario_id, coaching = assignment.scenario_id, assignment.coaching
        if not isinstance(scenario_id, str):
            raise InputError("Choose a scenario to practise.")
        scenario = find_scenario(session, scenario_id)
        row = PracticeSession(
            user_id=trainee.id,
            scenario_id=scenario_id,
            assignment_id=assignment_id,
            seed=secrets.randbelow(1_000_000) if seed is None else seed,
            coaching=coaching,
            replies=[],
            result={},
            steps=[],
        )
        session.add(row)
        session.flush()
        played = replay_practice(ctx, row, scenario)
        row.result = played.result()
        write_audit(session, actor, "practice.started", row, after=snapshot(row, "scenario_id"))
    return row


def _steps(played: Session) -> list[dict[str, Any]]:
    return [
        {
            "score": st.review_score,
            "failed": list(st.reading.failed_checks),
            "calm": list(st.reading.calm),
            "anger": list(st.reading.anger),
            "fixes": list(st.reading.fixes)[:3],
            **st.after.rounded(),
        }
        for st in played.steps
    ]


def practice_reply(ctx: ActionContext, actor: Actor, session_id: int, text: str) -> PracticeSession:
    """The trainee's next reply; the simulated customer answers; the result is stored."""
    reply = clean_text(text, "reply", MAX_DRAFT_CHARS)
    with ctx.sessions.begin() as session:
        row = session.get(PracticeSession, session_id, with_for_update=True)
        if row is None or row.user_id != actor.user_id:
            raise NotFound("There is no practice session of yours with that number.")
        if row.finished:
            raise Conflict("This practice session has ended; start a new one to practise again.")
        played = replay_practice(ctx, row, find_scenario(session, row.scenario_id))
        played.reply(reply)
        row.replies = [*row.replies, reply]
        row.result, row.steps = played.result(), _steps(played)
        row.outcome, row.score = played.outcome, played.score()
        if played.finished:
            row.finished, row.finished_at = True, ctx.now()
            write_audit(
                session, actor, "practice.finished", row, after=snapshot(row, "outcome", "score")
            )
    return row


def comment_on_practice(
    ctx: ActionContext, actor: Actor, session_id: int, text: str
) -> PracticeComment:
    """A trainer's comment on a trainee's session (their team's supervisor, or an admin)."""
    actor.require_role(*_TRAINERS)
    body = clean_text(text, "comment", 4000)
    with ctx.sessions.begin() as session:
        practice = session.get(PracticeSession, session_id)
        if practice is None:
            raise NotFound("There is no practice session with that number.")
        trainer, trainee = _user(session, actor.user_id), _user(session, practice.user_id)
        if not _trains(trainer, trainee.team_id):
            raise NotFound("There is no practice session with that number.")
        row = PracticeComment(session_id=session_id, author_id=trainer.id, text=body)
        session.add(row)
        write_audit(session, actor, "practice.commented", row, after={"session_id": session_id})
    return row


def practise_case(
    ctx: ActionContext, actor: Actor, conversation_id: int, title: str = ""
) -> PracticeScenario:
    """A supervisor (of the case's team) or admin turns a real conversation into a scenario.

    Names, email addresses, phone numbers, card and bank numbers are replaced; reference numbers are
    invented; nothing personal from the case is stored in the scenario."""
    actor.require_role(*_TRAINERS)
    with ctx.sessions.begin() as session:
        case = session.get(ConversationRow, conversation_id)
        trainer = _user(session, actor.user_id)
        if case is None or not _trains(trainer, case.team_id):
            raise NotFound(f"There is no conversation {conversation_id} that you can see.")
        turns = list(
            session.scalars(select(Turn).where(Turn.conversation_id == case.id).order_by(Turn.seq))
        )
        said = [t for t in turns if t.author_role is AuthorRole.CUSTOMER]
        if not said:
            raise Conflict("This conversation has no customer message to practise on.")
        customer = session.get(Customer, case.customer_id)
        staff_ids = {t.author_user_id for t in turns if t.author_user_id} | {case.assignee_id}
        staff = [
            u.display_name
            for u in session.scalars(select(User).where(User.id.in_({i for i in staff_ids if i})))
        ]
        scenario_id = f"case-{case.id}-{secrets.token_hex(3)}"
        body = scenario_from_case(
            scenario_id,
            (title.strip() if isinstance(title, str) else "")
            or f"A real case: {case.subject or 'a difficult customer'}"[:200],
            [t.text for t in said],
            [t.signals or {} for t in said],
            customer_name=customer.name if customer else "",
            staff_names=staff,
        )
        parse_scenario(body, scenario_id)  # refuses anything the player could not load
        row = PracticeScenario(
            id=scenario_id,
            team_id=case.team_id,
            created_by_id=trainer.id,
            source_conversation_id=case.id,
            body=body,
        )
        session.add(row)
        write_audit(
            session,
            actor,
            "practice.scenario_created",
            row,
            after={"source_conversation_id": case.id},
        )
    return row
