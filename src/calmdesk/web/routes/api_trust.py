"""API routes for trust: sessions, API tokens, users, chat tokens, privacy policy, erasure.

GET    /sessions                        own sessions (admin: anyone's, `user_id`)
DELETE /sessions/{session_id}           end one (its owner or an admin)
POST   /me/password                     change one's password; other sessions end
GET    /tokens                          API tokens with last use (own; supervisor: team,
                                        read-only; admin: all)
DELETE /tokens/{token_id}               revoke one (its owner or an admin)
GET    /users                           admin: everyone; supervisor: their team
POST   /users                           admin: create a user
POST   /users/{user_id}/deactivate      admin: no login, sessions ended, tokens revoked
POST   /users/{user_id}/sessions/revoke admin: end every session of a user
POST   /chat/token/rotate               the customer: a new chat token, the old one revoked
POST   /conversations/{id}/chat-token   staff: a new chat link for the customer
POST   /conversations/{id}/chat-tokens/revoke   staff: every chat link of it stops working
GET    /teams/{team_id}/privacy         supervisor of the team, admin
PUT    /teams/{team_id}/privacy         admin: mask contacts, retention days and mode
POST   /customers/{customer_id}/erase   supervisor, admin: erase a customer on request
POST   /retention/run                   admin: apply every team's retention now
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import false, select

from calmdesk.actions import people, privacy, sessions
from calmdesk.domain.errors import NotFound, PermissionDenied
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import ApiToken, Team, User
from calmdesk.storage.trust import UserSession
from calmdesk.web import access
from calmdesk.web.deps import (
    ActionsDep,
    CurrentAdmin,
    CurrentCustomer,
    CurrentSupervisor,
    CurrentUser,
    SessionDep,
    StaffPrincipal,
)
from calmdesk.web.routes.api_reads import IdPath
from calmdesk.web.schemas import MAX_ID, ShortText, UserOut

__all__ = ["router"]

router = APIRouter(tags=["trust"])
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionOut(_Out):
    id: int
    user_id: int
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str
    client: str
    user_agent: str
    current: bool = False


class TokenOut(_Out):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class UserDetail(UserOut):
    is_active: bool
    authority_limit: float


class UserCreate(_In):
    username: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._@-]+$")]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    role: UserRole = UserRole.AGENT
    display_name: Annotated[str, Field(max_length=200)] = ""
    team_id: Id | None = None
    authority_limit: Annotated[float, Field(ge=0, le=1_000_000_000)] = 50.0


class PasswordIn(_In):
    current_password: Annotated[str, Field(min_length=1, max_length=200)]
    new_password: Annotated[str, Field(min_length=8, max_length=200)]


class DeactivateIn(_In):
    reason: Annotated[str, Field(max_length=2000)] = ""


class ChatTokenOut(BaseModel):
    chat_token: str
    expires_at: datetime | None = None


class Revoked(BaseModel):
    revoked: int


class PrivacyOut(BaseModel):
    team_id: int
    mask_contacts: bool
    retention_days: int | None
    retention_mode: Literal["anonymise", "delete"]


class PrivacyIn(_In):
    mask_contacts: bool | None = None
    retention_days: Annotated[int, Field(ge=1, le=36_500)] | None = None
    retention_mode: Literal["anonymise", "delete"] | None = None
    keep_forever: bool = False


class EraseIn(_In):
    reason: ShortText


class ErasureOut(BaseModel):
    customer_id: int
    conversations: int
    notes: int


class RetentionOut(BaseModel):
    anonymised: int
    deleted: int


def _page(rows: list[UserSession], user: StaffPrincipal) -> list[SessionOut]:
    out = []
    for row in rows:
        item = SessionOut.model_validate(row)
        item.current = row.id == user.session_id
        out.append(item)
    return out


@router.get("/sessions", response_model=list[SessionOut])
def list_sessions(
    user: CurrentUser, session: SessionDep,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[SessionOut]:  # fmt: skip
    """Your sessions, newest first; an admin may ask for anyone's (`user_id`) or everyone's."""
    if user.role is not UserRole.ADMIN:
        if user_id not in (None, user.user_id):
            raise NotFound(f"There is no user {user_id} whose sessions you can see.")
        user_id = user.user_id
    rows = sessions.list_sessions(session, user_id)
    session.commit()
    return _page(rows, user)


@router.delete("/sessions/{session_id}", status_code=204)
def revoke_session(
    session_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> Response:
    """End one session now (in every server process): its owner or an admin."""
    row = session.get(UserSession, session_id)
    session.commit()
    if row is None or (user.role is not UserRole.ADMIN and row.user_id != user.user_id):
        raise NotFound(f"There is no session {session_id} of yours.")
    sessions.revoke_session(actions, user.acting(), session_id, "revoked")
    return Response(status_code=204)


@router.post("/me/password", status_code=204)
def change_password(body: PasswordIn, user: CurrentUser, actions: ActionsDep) -> Response:
    """Change your password (the current one is needed); your other sessions end."""
    people.change_password(
        actions, user.acting(), user.user_id, body.new_password,
        current_password=body.current_password, keep_session_id=user.session_id,
    )  # fmt: skip
    return Response(status_code=204)


def _team_user_ids(session: SessionDep, team_id: int | None) -> set[int]:
    if team_id is None:
        return set()
    return set(session.scalars(select(User.id).where(User.team_id == team_id)).all())


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    user: CurrentUser, session: SessionDep,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[TokenOut]:  # fmt: skip
    """API tokens with their last use: yours; a supervisor sees the team's; an admin all."""
    rows = sessions.list_api_tokens(session, user_id)
    if user.role is UserRole.SUPERVISOR:
        team = _team_user_ids(session, user.team_id) | {user.user_id}
        rows = [r for r in rows if r.user_id in team]
    elif user.role is not UserRole.ADMIN:
        rows = [r for r in rows if r.user_id == user.user_id]
    session.commit()
    return [TokenOut.model_validate(r) for r in rows]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> Response:
    """Revoke an API token at once: its owner or an admin (a supervisor may only look)."""
    row = session.get(ApiToken, token_id)
    owner = row.user_id if row is not None else None
    visible = row is not None and (
        user.role is UserRole.ADMIN
        or owner == user.user_id
        or (user.role is UserRole.SUPERVISOR and owner in _team_user_ids(session, user.team_id))
    )
    session.commit()
    if not visible:
        raise NotFound(f"There is no API token {token_id} that you can see.")
    if user.role is not UserRole.ADMIN and owner != user.user_id:
        raise PermissionDenied("Only the token's owner or an admin may revoke it.")
    sessions.revoke_api_token(actions, user.acting(), token_id)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserDetail])
def list_users(user: CurrentSupervisor, session: SessionDep) -> list[UserDetail]:
    """Everyone (admin) or the supervisor's team, with whether they may log in."""
    stmt = select(User).order_by(User.id)
    if user.role is not UserRole.ADMIN:
        stmt = stmt.where(User.team_id == user.team_id) if user.team_id else stmt.where(false())
    rows = list(session.scalars(stmt).all())
    session.commit()
    return [UserDetail.model_validate(r) for r in rows]


@router.post("/users", status_code=201, response_model=UserDetail)
def create_user(
    body: UserCreate, user: CurrentAdmin, session: SessionDep, actions: ActionsDep
) -> UserDetail:
    """Create a user (admin)."""
    if body.team_id is not None and session.get(Team, body.team_id) is None:
        session.commit()
        raise NotFound(f"There is no team {body.team_id}.")
    session.commit()
    row = people.create_user(
        actions, user.acting(), username=body.username, password=body.password,
        role=body.role.value, display_name=body.display_name, team_id=body.team_id,
        authority_limit=body.authority_limit,
    )  # fmt: skip
    return UserDetail.model_validate(row)


def _user_or_404(session: SessionDep, user_id: int) -> User:
    row = session.get(User, user_id)
    session.commit()
    if row is None:
        raise NotFound(f"There is no user {user_id}.")
    return row


@router.post("/users/{user_id}/deactivate", response_model=UserDetail)
def deactivate_user(
    user_id: IdPath, user: CurrentAdmin, session: SessionDep, actions: ActionsDep,
    body: DeactivateIn | None = None,
) -> UserDetail:  # fmt: skip
    """No more logins; every session ends and every API token is revoked, in every process."""
    _user_or_404(session, user_id)
    row = people.deactivate_user(actions, user.acting(), user_id, body.reason if body else "")
    return UserDetail.model_validate(row)


@router.post("/users/{user_id}/sessions/revoke", response_model=Revoked)
def revoke_user_sessions(
    user_id: IdPath, user: CurrentAdmin, session: SessionDep, actions: ActionsDep
) -> Revoked:
    """End every session of a user (admin)."""
    _user_or_404(session, user_id)
    return Revoked(revoked=sessions.revoke_user_sessions(actions, user.acting(), user_id))


def _bearer(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2].strip()


@router.post("/chat/token/rotate", response_model=ChatTokenOut)
def rotate_chat_token(
    request: Request, customer: CurrentCustomer, actions: ActionsDep
) -> ChatTokenOut:
    """The customer's fresh chat token; the one sent stops working."""
    token, row = sessions.rotate_chat_token(actions, _bearer(request))
    return ChatTokenOut(chat_token=token, expires_at=row.expires_at)


@router.post(
    "/conversations/{conversation_id}/chat-token", status_code=201, response_model=ChatTokenOut
)
def new_chat_token(
    conversation_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> ChatTokenOut:
    """A new chat link for the conversation's customer (expires after `chat_token_ttl_s`)."""
    access.conversation_for(session, user, conversation_id)
    token, row = sessions.issue_chat_token(actions, user.acting(), conversation_id)
    return ChatTokenOut(chat_token=token, expires_at=row.expires_at)


@router.post("/conversations/{conversation_id}/chat-tokens/revoke", response_model=Revoked)
def revoke_chat_tokens(
    conversation_id: IdPath, user: CurrentUser, session: SessionDep, actions: ActionsDep
) -> Revoked:
    """Every chat link of this conversation issued so far stops working (open chats too)."""
    access.conversation_for(session, user, conversation_id)
    return Revoked(revoked=sessions.revoke_chat_tokens(actions, user.acting(), conversation_id))


def _privacy(session: SessionDep, team_id: int) -> PrivacyOut:
    row = privacy.team_policy(session, team_id)
    return PrivacyOut(
        team_id=team_id, mask_contacts=row.mask_contacts, retention_days=row.retention_days,
        retention_mode=row.retention_mode,  # type: ignore[arg-type]
    )  # fmt: skip


@router.get("/teams/{team_id}/privacy", response_model=PrivacyOut)
def get_privacy(team_id: IdPath, user: CurrentSupervisor, session: SessionDep) -> PrivacyOut:
    """The team's privacy policy (its supervisor, or an admin)."""
    if session.get(Team, team_id) is None or (
        user.role is not UserRole.ADMIN and user.team_id != team_id
    ):
        session.commit()
        raise NotFound(f"There is no team {team_id} that you can see.")
    out = _privacy(session, team_id)
    session.commit()
    return out


@router.put("/teams/{team_id}/privacy", response_model=PrivacyOut)
def set_privacy(
    team_id: IdPath, body: PrivacyIn, user: CurrentAdmin, session: SessionDep, actions: ActionsDep
) -> PrivacyOut:
    """Change the team's policy (admin); only the fields sent change."""
    privacy.set_team_policy(
        actions, user.acting(), team_id, mask_contacts=body.mask_contacts,
        retention_days=body.retention_days, retention_mode=body.retention_mode,
        clear_retention=body.keep_forever,
    )  # fmt: skip
    out = _privacy(session, team_id)
    session.commit()
    return out


@router.post("/customers/{customer_id}/erase", response_model=ErasureOut)
def erase_customer(
    customer_id: IdPath, body: EraseIn, user: CurrentSupervisor, session: SessionDep,
    actions: ActionsDep,
) -> ErasureOut:  # fmt: skip
    """Erase a customer on request: profile and every text of their conversations; the audit
    keeps that it happened (supervisor of a team that serves them, or an admin)."""
    access.customer_for(session, user, customer_id)
    report = privacy.erase_customer(actions, user.acting(), customer_id, body.reason)
    return ErasureOut(
        customer_id=report.customer_id, conversations=report.conversations, notes=report.notes
    )


@router.post("/retention/run", response_model=RetentionOut)
def run_retention(user: CurrentAdmin, actions: ActionsDep) -> RetentionOut:
    """Apply every team's retention now (the worker does it daily)."""
    report = privacy.apply_retention(actions, user.acting())
    return RetentionOut(anonymised=report.anonymised, deleted=report.deleted)
