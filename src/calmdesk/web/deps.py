"""Typed dependency aliases for routes: settings, a database session and who is asking.

SettingsDep       the app's Settings
ActionsDep        the ActionContext every write is handed (session factory, analyzer, jobs)
SessionDep        a SQLAlchemy session for reads (writes go through `calmdesk.actions`)
FactoryDep        the session factory, handed to actions that own their transaction
PrincipalDep      a staff member, a chat customer, or None (anonymous)
CurrentUser       any logged-in staff member (401 otherwise)
CurrentAgent      alias of CurrentUser: every staff role can work a queue
CurrentSupervisor a supervisor or admin (403 for agents)
CurrentAdmin      an admin
CurrentCustomer   a customer holding a chat token
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext, Actor
from calmdesk.config import Settings
from calmdesk.domain.errors import AuthenticationRequired, PermissionDenied
from calmdesk.storage.engine import SessionFactory
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import ApiToken, User
from calmdesk.web import auth

__all__ = [
    "ActionsDep",
    "CurrentAdmin",
    "CurrentAgent",
    "CurrentCustomer",
    "CurrentPrincipal",
    "CurrentSupervisor",
    "CurrentUser",
    "CustomerPrincipal",
    "FactoryDep",
    "Principal",
    "PrincipalDep",
    "SessionDep",
    "SettingsDep",
    "StaffPrincipal",
]

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    """A logged-in person; `via` is `session` (cookie) or `token` (integration)."""

    user_id: int
    username: str
    display_name: str
    role: UserRole
    team_id: int | None
    via: str
    csrf: str | None = None

    @property
    def actor(self) -> str:
        """The label the audit log shows."""
        return f"user:{self.username}"

    def acting(self) -> Actor:
        """The Actor handed to actions."""
        return Actor(label=self.actor, user_id=self.user_id, role=self.role)


@dataclass(frozen=True, slots=True)
class CustomerPrincipal:
    """A customer in the chat: may see and write exactly one conversation."""

    customer_id: int
    conversation_id: int

    @property
    def actor(self) -> str:
        return f"customer:{self.customer_id}"

    def acting(self) -> Actor:
        return Actor.for_customer(self.customer_id)


Principal = StaffPrincipal | CustomerPrincipal | None


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_actions(request: Request) -> ActionContext:
    ctx: ActionContext = request.app.state.actions
    return ctx


def get_factory(request: Request) -> SessionFactory:
    return get_actions(request).sessions


def get_session(request: Request) -> Iterator[Session]:
    with get_factory(request)() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
ActionsDep = Annotated[ActionContext, Depends(get_actions)]
FactoryDep = Annotated[SessionFactory, Depends(get_factory)]
SessionDep = Annotated[Session, Depends(get_session)]


async def _sent_csrf(request: Request) -> str | None:
    """The CSRF token a request carries (header first, then a form field)."""
    header = request.headers.get(auth.CSRF_HEADER)
    if header or request.method not in _UNSAFE:
        return header
    content_type = request.headers.get("content-type", "")
    if "form" not in content_type:
        return None
    form = await request.form()
    value = form.get(auth.CSRF_FORM_FIELD)
    return value if isinstance(value, str) else None


def _staff(user: User, via: str, csrf: str | None = None) -> StaffPrincipal:
    return StaffPrincipal(
        user.id, user.username, user.display_name, user.role, user.team_id, via, csrf
    )


def _from_bearer(settings: Settings, session: Session, token: str) -> Principal:
    if token.startswith(auth.API_TOKEN_PREFIX):
        stmt = select(ApiToken).where(ApiToken.token_hash == auth.hash_api_token(token))
        row = session.scalars(stmt).first()
        if row is None or row.revoked_at is not None or not row.user.is_active:
            raise AuthenticationRequired("The API token is unknown or revoked.")
        return _staff(row.user, "token")
    conversation_id, customer_id = auth.read_chat_token(settings, token)
    if not (conversation_id.isdigit() and customer_id.isdigit()):
        raise AuthenticationRequired("The chat token is not valid; open the chat link again.")
    return CustomerPrincipal(customer_id=int(customer_id), conversation_id=int(conversation_id))


def _from_cookie(
    request: Request, settings: Settings, session: Session, sent_csrf: str | None
) -> Principal:
    data = auth.read_session(settings, request.cookies.get(auth.SESSION_COOKIE))
    if data is None:
        return None
    user = session.get(User, data.user_id)
    if user is None or not user.is_active:
        return None
    if request.method in _UNSAFE:
        auth.check_csrf(data, sent_csrf)
    return _staff(user, "session", data.csrf)


def get_principal(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    sent_csrf: Annotated[str | None, Depends(_sent_csrf)],
) -> Principal:
    """Who is asking: a Bearer token wins over the session cookie; None when anonymous."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    try:
        if scheme.lower() == "bearer" and token.strip():
            return _from_bearer(settings, session, token.strip())
        return _from_cookie(request, settings, session, sent_csrf)
    finally:
        session.commit()  # end the read transaction: on SQLite it holds the write lock


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_principal(principal: PrincipalDep) -> StaffPrincipal | CustomerPrincipal:
    if principal is None:
        raise AuthenticationRequired()
    return principal


CurrentPrincipal = Annotated[StaffPrincipal | CustomerPrincipal, Depends(require_principal)]


def require_user(principal: PrincipalDep) -> StaffPrincipal:
    if isinstance(principal, StaffPrincipal):
        return principal
    if isinstance(principal, CustomerPrincipal):
        raise PermissionDenied("A chat token cannot be used here; staff must log in.")
    raise AuthenticationRequired()


CurrentUser = Annotated[StaffPrincipal, Depends(require_user)]
CurrentAgent = CurrentUser


def require_supervisor(user: CurrentUser) -> StaffPrincipal:
    if user.role not in (UserRole.SUPERVISOR, UserRole.ADMIN):
        raise PermissionDenied("Only a supervisor or an admin may do that.")
    return user


def require_admin(user: CurrentUser) -> StaffPrincipal:
    if user.role is not UserRole.ADMIN:
        raise PermissionDenied("Only an admin may do that.")
    return user


def require_customer(principal: PrincipalDep) -> CustomerPrincipal:
    if isinstance(principal, CustomerPrincipal):
        return principal
    if isinstance(principal, StaffPrincipal):
        raise PermissionDenied("Only the customer of this chat may do that.")
    raise AuthenticationRequired()


CurrentSupervisor = Annotated[StaffPrincipal, Depends(require_supervisor)]
CurrentAdmin = Annotated[StaffPrincipal, Depends(require_admin)]
CurrentCustomer = Annotated[CustomerPrincipal, Depends(require_customer)]
