"""The `/api/v1` router: health, login, logout, me; the other areas are included from api_*.py."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from calmdesk import __version__
from calmdesk.actions.people import authenticate
from calmdesk.actions.sessions import revoke_session, start_session
from calmdesk.domain.errors import AuthenticationRequired, PermissionDenied
from calmdesk.storage.people import User
from calmdesk.web import auth, queries
from calmdesk.web.deps import (
    ActionsDep,
    CurrentPrincipal,
    CurrentUser,
    SessionDep,
    StaffPrincipal,
    client_address,
)
from calmdesk.web.ratelimit import LoginThrottle
from calmdesk.web.routes import api_analysis, api_cases, api_reads, api_trust, api_writes, desk
from calmdesk.web.schemas import ErrorOut, Health, LoginIn, MeOut, UserOut

__all__ = ["PREFIX", "router"]

PREFIX = "/api/v1"
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}

router = APIRouter(prefix=PREFIX, responses=_ERRORS)


@router.get("/health", response_model=Health, tags=["meta"])
def health(session: SessionDep) -> Health:
    """Liveness and database reachability; needs no login."""
    database = "ok" if queries.database_ok(session) else "unreachable"
    return Health(status="ok", version=__version__, database=database)


@router.post("/login", response_model=MeOut, tags=["auth"])
def login(body: LoginIn, request: Request, response: Response, actions: ActionsDep) -> MeOut:
    """Check a username and password; start a server-side session, set its cookie and return the
    CSRF token.

    Failures slow down per account and address (progressive delays, see docs/api.md); the real
    user logging in from elsewhere is never locked out."""
    user = throttled_login(request, actions, body.username, body.password)
    cookie, csrf = start_browser_session(request, actions, user.id, response)
    return MeOut(kind="user", user=UserOut.model_validate(user), csrf_token=csrf)


def throttled_login(request: Request, actions: ActionsDep, username: str, password: str) -> User:
    """The password check behind both login forms, throttled in the shared store."""
    throttle: LoginThrottle = request.app.state.login_throttle
    client = client_address(request)
    request.app.state.limiter.check(route="POST login", ip=client)
    throttle.check(username, client)
    try:
        user = authenticate(actions, username, password)
    except PermissionDenied as err:
        throttle.failed(username, client)
        raise AuthenticationRequired(err.message) from None
    throttle.succeeded(username, client)
    return user


def start_browser_session(
    request: Request, actions: ActionsDep, user_id: int, response: Response
) -> tuple[str, str]:
    """Record a new server-side session and set its cookie on `response`; `(cookie, csrf)`."""
    secret, row = start_session(
        actions, user_id, client=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )  # fmt: skip
    cookie = auth.session_cookie(actions.settings, secret)
    response.set_cookie(
        auth.SESSION_COOKIE,
        cookie,
        max_age=actions.settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )
    return cookie, row.csrf


def is_https(request: Request) -> bool:
    """Whether the browser talks HTTPS (directly, or to a trusted proxy that says so)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-proto", "").lower() == "https"
    return forwarded and bool(request.app.state.trusted_proxies.trusts(peer))


@router.post("/logout", status_code=204, tags=["auth"])
def logout(user: CurrentUser, response: Response, actions: ActionsDep) -> Response:
    """End the browser session: its server-side row is revoked and the cookie cleared."""
    if user.session_id is not None:
        revoke_session(actions, user.acting(), user.session_id, "logout")
    response.status_code = 204
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(principal: CurrentPrincipal) -> MeOut:
    """Who the caller is: a staff member or the customer of one chat."""
    if isinstance(principal, StaffPrincipal):
        user = UserOut(
            id=principal.user_id,
            username=principal.username,
            display_name=principal.display_name,
            role=principal.role,
            team_id=principal.team_id,
        )
        return MeOut(kind="user", user=user, csrf_token=principal.csrf)
    return MeOut(
        kind="customer",
        customer_id=principal.customer_id,
        conversation_id=principal.conversation_id,
    )


router.include_router(api_reads.router)
router.include_router(api_writes.router)
router.include_router(api_analysis.router)
router.include_router(api_cases.router)
router.include_router(api_trust.router)
router.include_router(desk.router)
