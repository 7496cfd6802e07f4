"""The agent console: login, the queue, one conversation with coaching, the supervisor view.

Pages are rendered on the server (Jinja2) and updated in place with htmx; the live channel is in
`console_live`, the form posts in `console_actions`. `register(app)` adds all of it to an app.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calmdesk.actions.context import ActionContext
from calmdesk.actions.sessions import revoke_session
from calmdesk.domain.errors import NotFound, PermissionDenied, TooManyAttempts
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import User
from calmdesk.web import auth
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.console.case_view import case_view
from calmdesk.web.console.desk import queue_context
from calmdesk.web.console.supervisor_view import supervisor_board
from calmdesk.web.deps import ActionsDep, PrincipalDep, SessionDep, SettingsDep, StaffPrincipal
from calmdesk.web.pages import render, team_tz
from calmdesk.web.routes.api import start_browser_session, throttled_login

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)

_LOGIN_CSRF_COOKIE = "calmdesk_login_csrf"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, principal: PrincipalDep, next: str = "/console") -> Response:
    if isinstance(principal, StaffPrincipal):
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_form(request, next_url=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    settings: SettingsDep,
    actions: ActionsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/console",
) -> Response:
    """Check the password; on success set the session cookie and go to the page asked for."""
    expected = request.cookies.get(_LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_form(request, _safe_next(next), "The form expired; try again.", username, 400)
    try:
        user = _authenticate(request, actions, username.strip(), password)
    except TooManyAttempts as err:
        return _login_form(request, _safe_next(next), err.message, username, 429)
    except PermissionDenied as err:
        return _login_form(request, _safe_next(next), err.message, username, 401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    start_browser_session(request, actions, user.id, response)
    response.delete_cookie(_LOGIN_CSRF_COOKIE, path="/console/login")
    return response


def _authenticate(request: Request, actions: ActionContext, username: str, password: str) -> User:
    """The password check, throttled exactly like the API's login (the shared store)."""
    return throttled_login(request, actions, username, password)


@router.post("/logout")
def logout(user: ConsoleUser, actions: ActionsDep) -> Response:
    if user.session_id is not None:
        revoke_session(actions, user.acting(), user.session_id, "logout")
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


def _safe_next(target: str) -> str:
    """Only console paths on this site: never `//evil.example` or an absolute URL."""
    ok = target.startswith("/console") and not target.startswith("/console/login")
    return target if ok and "//" not in target and "\\" not in target else "/console"


def _login_form(
    request: Request, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    context = {"user": None, "csrf_token": token, "next_url": next_url, "error": error}
    response = render(request, "console/login.html", context | {"username": username}, status)
    response.set_cookie(
        _LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
        path="/console/login",
    )  # fmt: skip
    return response


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    actions: ActionsDep,
    view: str = "active",
    sort: str = "urgent",
    tag: str = "",
) -> Response:
    """The queue: overdue first, then riskiest and most urgent; SLA time left, tags, counts.
    A QA analyst works no queue: their console starts at the QA workspace."""
    from calmdesk.actions.assignment import touch_presence

    if user.role is UserRole.QA_ANALYST:
        return RedirectResponse("/console/qa", status_code=303)
    session.commit()
    touch_presence(actions, user.user_id)  # having the queue open makes an agent "online"
    context = queue_context(session, user, actions, view, sort, tag)
    return render(request, "console/queue.html", context)


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation(
    request: Request,
    conversation_id: int,
    user: ConsoleUser,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
) -> Response:
    """One case: annotated transcript, reply box with live coaching, risk, promises, profile.
    A QA analyst reads the case beside its scorecard instead (no reply box, no chat link)."""
    if user.role is UserRole.QA_ANALYST:
        return RedirectResponse(f"/console/qa/conversations/{conversation_id}", status_code=303)
    convo = case_view(session, user, conversation_id, team_tz(settings), actions.now())
    session.commit()
    if convo.channel == "chat":
        token = auth.issue_chat_token(settings, convo.id, convo.customer.id)
        convo.chat_link = f"{settings.public_base_url.rstrip('/')}/chat/{token}"
    context = page_context(user, nav="queue", convo=convo, max_chars=settings.max_text_chars)
    return render(request, "console/conversation.html", context | {"review": None})


@router.get("/conversations/{conversation_id}/transcript", response_class=HTMLResponse)
def transcript(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep,
) -> Response:  # fmt: skip
    convo = case_view(session, user, conversation_id, team_tz(settings), actions.now())
    session.commit()
    return render(request, "_partials/transcript.html", page_context(user, convo=convo))


@router.get("/conversations/{conversation_id}/insight", response_class=HTMLResponse)
def insight(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep,
) -> Response:  # fmt: skip
    try:
        convo = case_view(session, user, conversation_id, team_tz(settings), actions.now())
    except NotFound:  # escalated or reassigned while the page was open
        message = "This case has left your queue (escalated or reassigned)."
        return render(request, "_partials/flash.html", {"flash": message, "flash_kind": "warn"})
    session.commit()
    return render(request, "_partials/insight.html", page_context(user, convo=convo))


@router.get("/supervisor", response_class=HTMLResponse)
def supervisor(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep,
) -> Response:  # fmt: skip
    """Escalated cases, overdue promises of the team, conversations heating up now."""
    if user.role not in (UserRole.SUPERVISOR, UserRole.ADMIN):
        raise PermissionDenied("The supervisor view is for supervisors and admins.")
    board = supervisor_board(session, user, team_tz(settings), actions.now())
    session.commit()
    return render(request, "console/supervisor.html", page_context(user, nav="supervisor", **board))
