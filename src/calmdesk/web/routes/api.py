"""The `/api/v1` router: health, login, logout, me; the other areas are included from api_*.py."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from calmdesk import __version__
from calmdesk.actions.people import authenticate
from calmdesk.domain.errors import AuthenticationRequired, PermissionDenied
from calmdesk.web import auth, queries
from calmdesk.web.auth import LoginThrottle
from calmdesk.web.deps import (
    ActionsDep,
    CurrentPrincipal,
    CurrentUser,
    SessionDep,
    SettingsDep,
    StaffPrincipal,
)
from calmdesk.web.routes import api_analysis, api_reads, api_writes, desk
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
def login(
    body: LoginIn, request: Request, response: Response, settings: SettingsDep,
    actions: ActionsDep,
) -> MeOut:  # fmt: skip
    """Check a username and password; set the session cookie and return the CSRF token.

    After 10 failures in 5 minutes for a username (50 from one client address), logins answer
    429 until the window has passed."""
    throttle: LoginThrottle = request.app.state.login_throttle
    client = request.client.host if request.client else "unknown"
    throttle.check(body.username, client)
    try:
        user = authenticate(actions, body.username, body.password)
    except PermissionDenied as err:
        throttle.failed(body.username, client)
        raise AuthenticationRequired(err.message) from None
    throttle.succeeded(body.username)
    cookie, data = auth.issue_session(settings, user.id)
    response.set_cookie(
        auth.SESSION_COOKIE,
        cookie,
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return MeOut(kind="user", user=UserOut.model_validate(user), csrf_token=data.csrf)


@router.post("/logout", status_code=204, tags=["auth"])
def logout(user: CurrentUser, response: Response) -> Response:
    """End the browser session (clears the cookie)."""
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
router.include_router(desk.router)
