"""The escalation rules and the playbook settings over the API, for the desk or one team (the
console's `/console/settings/escalation-rules` and `/console/settings/playbook` have the same).

`GET /api/v1/settings/{kind}` (supervisors, admins) answers the text in use and where it comes
from; `PUT` (admins) validates and saves a text (400 E890 with the reason, nothing stored);
`DELETE` (admins) removes a saved one, so the next level applies again."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from calmdesk.actions import desk_overrides
from calmdesk.web.deps import ActionsDep, CurrentAdmin, CurrentSupervisor, SessionDep, SettingsDep
from calmdesk.web.schemas import Id, _In

__all__ = ["router"]

router = APIRouter(prefix="/settings", tags=["desk"])

KindPath = Literal["escalation-rules", "playbook"]
TeamQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


class OverrideIn(_In):
    text: Annotated[str, Field(max_length=desk_overrides.MAX_BYTES)]
    team_id: Id | None = None


class OverrideOut(BaseModel):
    kind: str
    team_id: int | None
    text: str
    source: Literal["file", "desk", "team"]
    revision: int


def _kind(kind: KindPath) -> str:
    return kind.replace("-", "_")


def _out(session: SessionDep, settings: SettingsDep, kind: str, team_id: int | None) -> OverrideOut:
    found = desk_overrides.effective_text(session, settings, kind, team_id)
    session.commit()
    return OverrideOut(kind=kind, team_id=team_id, text=found.text, source=found.source,  # type: ignore[arg-type]
                       revision=found.revision)  # fmt: skip


@router.get("/{kind}", response_model=OverrideOut)
def get_override(
    kind: KindPath, user: CurrentSupervisor, session: SessionDep, settings: SettingsDep,
    team_id: TeamQuery = None,
) -> OverrideOut:  # fmt: skip
    """The escalation rules or playbook in use for a team (or the desk) and their source."""
    return _out(session, settings, _kind(kind), team_id)


@router.put("/{kind}", response_model=OverrideOut)
def put_override(
    kind: KindPath, body: OverrideIn, user: CurrentAdmin, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep,
) -> OverrideOut:  # fmt: skip
    """Validate and save the text for a team (or the desk); a broken one answers 400 E890."""
    desk_overrides.save_override(actions, user.acting(), _kind(kind), body.team_id, body.text)
    return _out(session, settings, _kind(kind), body.team_id)


@router.delete("/{kind}", status_code=204)
def delete_override(
    kind: KindPath, user: CurrentAdmin, actions: ActionsDep, team_id: TeamQuery = None
) -> Response:
    """Remove the saved text for a team (or the desk); 404 when none is saved there."""
    desk_overrides.clear_override(actions, user.acting(), _kind(kind), team_id)
    return Response(status_code=204)
