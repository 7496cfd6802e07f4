"""The desk's API routes: claim, assign, hand back, presence, tags, search. Each validates,
authorises, then calls one action (reads go through `storage.search` and `web.desk_view`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from calmdesk.actions import assignment, desk_admin, macros, tags
from calmdesk.storage.enums import ConversationStatus
from calmdesk.web import access
from calmdesk.web.console.desk_view import macros_for
from calmdesk.web.deps import ActionsDep, CurrentAdmin, CurrentSupervisor, CurrentUser, SessionDep
from calmdesk.web.desk_schemas import (
    AssignIn,
    AssignmentOut,
    HandBackIn,
    MacroIn,
    MacroOut,
    PresenceIn,
    PresenceOut,
    SearchOut,
    SlaPolicyIn,
    SlaPolicyOut,
    TagIn,
    TagsOut,
    TeamSettingsIn,
    TeamSettingsOut,
)
from calmdesk.web.desk_search import run_search
from calmdesk.web.routes import desk_settings
from calmdesk.web.routes.api_reads import IdPath
from calmdesk.web.schemas import MAX_ID

__all__ = ["router"]

router = APIRouter(tags=["desk"])
router.include_router(desk_settings.router)


@router.post("/conversations/{conversation_id}/claim", response_model=AssignmentOut)
def claim(
    conversation_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> AssignmentOut:
    """Take an unassigned case of your own team."""
    access.conversation_for(session, user, conversation_id)
    return AssignmentOut.model_validate(assignment.claim(actions, user.acting(), conversation_id))


@router.post("/conversations/{conversation_id}/assign", response_model=AssignmentOut)
def assign(
    conversation_id: IdPath, body: AssignIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> AssignmentOut:  # fmt: skip
    """Give the case to a person (`user_id`) or a team's queue (`team_id`); supervisors, admins."""
    access.conversation_for(session, user, conversation_id)
    row = assignment.assign(
        actions, user.acting(), conversation_id, user_id=body.user_id, team_id=body.team_id,
        reason=body.reason,
    )  # fmt: skip
    return AssignmentOut.model_validate(row)


@router.post("/conversations/{conversation_id}/hand-back", response_model=AssignmentOut)
def hand_back(
    conversation_id: IdPath, body: HandBackIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> AssignmentOut:  # fmt: skip
    """Return the case to the team's queue (its assignee, or a supervisor or admin)."""
    access.conversation_for(session, user, conversation_id)
    row = assignment.hand_back(actions, user.acting(), conversation_id, body.reason)
    return AssignmentOut.model_validate(row)


@router.put("/presence", response_model=PresenceOut)
def presence(body: PresenceIn, user: CurrentUser, actions: ActionsDep) -> PresenceOut:
    """Say you are online (auto-assignment may give you cases) or away; optional capacity."""
    row = assignment.set_presence(actions, user.acting(), user.user_id, body.status, body.capacity)
    return PresenceOut.model_validate(row)


@router.post("/conversations/{conversation_id}/tags", response_model=TagsOut)
def add_tag(
    conversation_id: IdPath, body: TagIn, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> TagsOut:  # fmt: skip
    access.conversation_for(session, user, conversation_id)
    names = tags.add_tag(actions, user.acting(), conversation_id, body.tag)
    return TagsOut(conversation_id=conversation_id, tags=names)


@router.delete("/conversations/{conversation_id}/tags/{tag}", response_model=TagsOut)
def remove_tag(
    conversation_id: IdPath, tag: str, user: CurrentUser, session: SessionDep,
    actions: ActionsDep,
) -> TagsOut:  # fmt: skip
    access.conversation_for(session, user, conversation_id)
    names = tags.remove_tag(actions, user.acting(), conversation_id, tag)
    return TagsOut(conversation_id=conversation_id, tags=names)


@router.get("/search", response_model=SearchOut)
def search(
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[str, Query(max_length=500)] = "",
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: ConversationStatus | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchOut:
    """Conversations (and customers) matching every word, within what you may see."""
    hits = run_search(
        session, user, q, customer_id=customer_id, status=status, tag=tag, since=since,
        until=until, limit=limit,
    )  # fmt: skip
    return SearchOut(items=hits)


@router.get("/macros", response_model=list[MacroOut])
def list_macros(user: CurrentUser, session: SessionDep) -> list[MacroOut]:
    """Your team's macros (and those for every team); admins see all."""
    rows = macros_for(session, user)
    session.commit()
    return [MacroOut.model_validate(m) for m in rows]


@router.post("/macros", status_code=201, response_model=MacroOut)
def create_macro(body: MacroIn, user: CurrentUser, actions: ActionsDep) -> MacroOut:
    """A saved reply with placeholders ({customer_name}, {order}, {agent_name}); reviewed by the
    playbook checks, and stored with those it fails."""
    team = body.team_id if body.team_id is not None else user.team_id
    row = macros.save_macro(actions, user.acting(), title=body.title, body=body.body, team_id=team)
    return MacroOut.model_validate(row)


@router.put("/teams/{team_id}/settings", response_model=TeamSettingsOut)
def put_team_settings(
    team_id: IdPath, body: TeamSettingsIn, user: CurrentAdmin, actions: ActionsDep
) -> TeamSettingsOut:
    """A team's routing mode, capacity, time zone, business hours and holidays (admins)."""
    row = desk_admin.set_team_settings(
        actions, user.acting(), team_id, routing_mode=body.routing_mode, capacity=body.capacity,
        timezone=body.timezone, business_hours=body.business_hours, holidays=body.holidays,
    )  # fmt: skip
    return TeamSettingsOut.model_validate(row)


@router.get("/sla-policies", response_model=list[SlaPolicyOut])
def list_sla_policies(user: CurrentSupervisor, session: SessionDep) -> list[SlaPolicyOut]:
    """The SLA policies defined here (none: the packaged defaults apply; docs/desk.md)."""
    rows = desk_admin.policy_rows(session)
    session.commit()
    return [SlaPolicyOut.model_validate(r) for r in rows]


@router.post("/sla-policies", status_code=201, response_model=SlaPolicyOut)
def save_sla_policy(body: SlaPolicyIn, user: CurrentAdmin, actions: ActionsDep) -> SlaPolicyOut:
    """Create or replace (by name) an SLA policy (admins); a broken one is refused with why."""
    row = desk_admin.save_sla_policy(actions, user.acting(), body.model_dump())
    return SlaPolicyOut.model_validate(row)
