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

The dependencies that only read the app's state or check a role are `async def`: FastAPI runs a
plain `def` dependency in the thread pool, one hand-over per dependency and request; these do no
I/O, so they run on the event loop. `get_principal` reads an integration's token on the event loop
(SQLite) and everything else in the thread pool, in a session of its own; `get_session` opens its
session on the event loop and closes it in the thread pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.sessions import (
    check_chat_token,
    find_session,
    hash_secret,
    touch_api_token,
    touch_session,
)
from calmdesk.config import Settings
from calmdesk.domain.errors import AuthenticationRequired, PermissionDenied
from calmdesk.storage.engine import SessionFactory
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import User
from calmdesk.web import auth
from calmdesk.web.roles import check_analyst_write
from calmdesk.web.token_reads import LoopReader, TokenTouches, token_owner

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
    session_id: int | None = None  # the server-side session (cookie logins)
    token_id: int | None = None  # the API token (integrations)

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
    token_key: str = ""  # a short hash of the chat token: the key of its rate limit

    @property
    def actor(self) -> str:
        return f"customer:{self.customer_id}"

    def acting(self) -> Actor:
        return Actor.for_customer(self.customer_id)


Principal = StaffPrincipal | CustomerPrincipal | None


def _actions(request: Request) -> ActionContext:
    ctx: ActionContext = request.app.state.actions
    return ctx


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_actions(request: Request) -> ActionContext:
    return _actions(request)


async def get_factory(request: Request) -> SessionFactory:
    return _actions(request).sessions


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request, opened and closed on the event loop where that does no I/O
    that can wait, saving the thread hand-overs of a plain `def` generator (each one a wake-up of
    a pool thread, about a sixth of a cheap read's CPU under load).

    Opening does no I/O (a session connects on first use). Closing ends its read transaction and
    hands the connection back to the pool: nothing to do when no transaction is open; on SQLite a
    read transaction's ROLLBACK never waits (it holds no lock another connection can make it wait
    for); on PostgreSQL it is a round trip to the server, so it runs in the thread pool."""
    session = _actions(request).sessions()
    try:
        yield session
    finally:
        if session.in_transaction() and not _is_sqlite(session):
            await run_in_threadpool(session.close)
        else:
            session.close()


def _is_sqlite(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "sqlite"


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


def _staff(user: User, via: str, csrf: str | None = None, **ids: int | None) -> StaffPrincipal:
    return StaffPrincipal(
        user.id, user.username, user.display_name, user.role, user.team_id, via, csrf, **ids
    )


def staff_from_cookie(
    settings: Settings, session: Session, cookie: str | None, now: datetime
) -> tuple[StaffPrincipal, auth.SessionData] | None:
    """The staff member of a live server-side session named by a cookie, or None."""
    secret = auth.cookie_secret(settings, cookie)
    if secret is None:
        return None
    row = find_session(session, secret, now)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    data = auth.SessionData(user.id, row.csrf, row.id, row.last_seen_at)
    return _staff(user, "session", row.csrf, session_id=row.id), data


def customer_from_chat_token(
    settings: Settings, session: Session, token: str, now: datetime
) -> CustomerPrincipal:
    """The customer a chat token names; AuthenticationRequired when forged, expired or revoked."""
    access = check_chat_token(session, settings, token, now)
    key = hash_secret(token)[:24]
    return CustomerPrincipal(access.customer_id, access.conversation_id, key)


def _api_token_principal(owner: tuple[Any, ...]) -> tuple[StaffPrincipal, datetime | None]:
    token_id, last_used, user_id, username, display_name, role, team_id = owner
    principal = StaffPrincipal(
        user_id, username, display_name, role, team_id, "token", token_id=token_id
    )
    return principal, last_used


def _touch_token(
    request: Request, ctx: ActionContext, token_id: int, last: datetime | None
) -> bool:
    """Whether this request records the token's use (`TokenTouches`); then `_record_touch`."""
    touches: TokenTouches | None = getattr(request.app.state, "token_touches", None)
    if touches is None:  # an app not built by `create_app`: the minute rule alone
        return last is None or ctx.now() - last >= timedelta(minutes=1)
    return touches.claim(token_id, last, ctx.now())


def _record_touch(request: Request, ctx: ActionContext, token_id: int) -> None:
    try:
        touch_api_token(ctx, token_id, None)
    except Exception:
        touches: TokenTouches | None = getattr(request.app.state, "token_touches", None)
        if touches is not None:
            touches.release(token_id)
        raise


def _from_bearer(request: Request, ctx: ActionContext, session: Session, token: str) -> Principal:
    if token.startswith(auth.API_TOKEN_PREFIX):
        with ctx.sessions.kw["bind"].connect() as conn:
            owner = token_owner(conn, auth.hash_api_token(token))
        principal, last_used = _api_token_principal(owner)
        if _touch_token(request, ctx, owner[0], last_used):
            _record_touch(request, ctx, owner[0])
        return principal
    return customer_from_chat_token(ctx.settings, session, token, ctx.now())


def _from_cookie(
    request: Request, ctx: ActionContext, session: Session, sent_csrf: str | None
) -> Principal:
    found = staff_from_cookie(
        ctx.settings, session, request.cookies.get(auth.SESSION_COOKIE), ctx.now()
    )
    if found is None:
        return None
    principal, data = found
    if request.method in _UNSAFE:
        auth.check_csrf(data, sent_csrf)
    session.commit()
    if data.session_id is not None:
        touch_session(ctx, data.session_id, data.last_seen_at)
    return principal


async def get_principal(request: Request) -> Principal:
    """Who is asking: a Bearer token wins over the session cookie; None when anonymous.

    The request limits are checked here too, once who is asking is known (`web.ratelimit`).
    An integration's API token on a SQLite file is read on the event loop (`web.token_reads`:
    no thread hand-over); everything else is read and checked in the thread pool, in a session
    of its own (ended before the route runs). No sub-dependencies: each one costs FastAPI's
    dependency solving on every request, and a session dependency its exit stack."""
    actions = _actions(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    bearer = scheme.lower() == "bearer" and bool(token)
    if bearer and token.startswith(auth.API_TOKEN_PREFIX):
        reader: LoopReader | None = getattr(request.app.state, "loop_reader", None)
        if reader is not None:
            return await _api_token_on_loop(request, actions, reader, token)
    sent_csrf = None if bearer else await _sent_csrf(request)  # only a cookie login checks it
    return await run_in_threadpool(_principal, request, actions, sent_csrf, bearer, token)


async def _api_token_on_loop(
    request: Request, ctx: ActionContext, reader: LoopReader, token: str
) -> StaffPrincipal:
    owner = reader.owner(auth.hash_api_token(token))
    principal, last_used = _api_token_principal(owner)
    if _touch_token(request, ctx, principal.token_id or 0, last_used):
        await run_in_threadpool(_record_touch, request, ctx, principal.token_id or 0)
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        try:
            limiter.check(route=_route_name(request), user=principal.user_id, flush=False)
        finally:  # a due flush writes the store: in the thread pool (about 1 request in 20)
            if limiter.flush_due():
                await run_in_threadpool(limiter.flush_if_due)
    check_analyst_write(request, principal.role)
    return principal


def _principal(
    request: Request, actions: ActionContext, sent_csrf: str | None, bearer: bool, token: str
) -> Principal:
    with actions.sessions() as session:
        try:
            if bearer:
                principal = _from_bearer(request, actions, session, token)
            else:
                principal = _from_cookie(request, actions, session, sent_csrf)
        finally:
            session.commit()  # end the read transaction before the route's own work
    enforce_limits(request, principal)
    if isinstance(principal, StaffPrincipal):
        check_analyst_write(request, principal.role)
    return principal


def client_address(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy forwarded (`trusted_proxies`)."""
    proxies = request.app.state.trusted_proxies
    peer = request.client.host if request.client else None
    return str(proxies.client(peer, request.headers.getlist("x-forwarded-for")))


def enforce_limits(request: Request, principal: Principal) -> None:
    """RateLimited (429) when this request is over a limit of its caller, address or route."""
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is None:
        return
    name = _route_name(request)
    if isinstance(principal, StaffPrincipal):
        limiter.check(route=name, user=principal.user_id)
    elif isinstance(principal, CustomerPrincipal):
        limiter.check(route=name, ip=client_address(request), chat=principal.token_key)
    else:
        limiter.check(route=name, ip=client_address(request))


def _route_name(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)  # the URL is built only when no route matched
    return f"{request.method} {path if path is not None else request.url.path}"


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_principal(principal: PrincipalDep) -> StaffPrincipal | CustomerPrincipal:
    if principal is None:
        raise AuthenticationRequired()
    return principal


CurrentPrincipal = Annotated[StaffPrincipal | CustomerPrincipal, Depends(require_principal)]


async def require_user(principal: PrincipalDep) -> StaffPrincipal:
    if isinstance(principal, StaffPrincipal):
        return principal
    if isinstance(principal, CustomerPrincipal):
        raise PermissionDenied("A chat token cannot be used here; staff must log in.")
    raise AuthenticationRequired()


CurrentUser = Annotated[StaffPrincipal, Depends(require_user)]
CurrentAgent = CurrentUser


async def require_supervisor(user: CurrentUser) -> StaffPrincipal:
    if user.role not in (UserRole.SUPERVISOR, UserRole.ADMIN):
        raise PermissionDenied("Only a supervisor or an admin may do that.")
    return user


async def require_admin(user: CurrentUser) -> StaffPrincipal:
    if user.role is not UserRole.ADMIN:
        raise PermissionDenied("Only an admin may do that.")
    return user


async def require_customer(principal: PrincipalDep) -> CustomerPrincipal:
    if isinstance(principal, CustomerPrincipal):
        return principal
    if isinstance(principal, StaffPrincipal):
        raise PermissionDenied("Only the customer of this chat may do that.")
    raise AuthenticationRequired()


CurrentSupervisor = Annotated[StaffPrincipal, Depends(require_supervisor)]
CurrentAdmin = Annotated[StaffPrincipal, Depends(require_admin)]
CurrentCustomer = Annotated[CustomerPrincipal, Depends(require_customer)]
