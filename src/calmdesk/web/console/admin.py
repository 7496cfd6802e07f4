"""Admin screens for people in the console, and every user's own account page.

GET  /console/admin                              -> the users screen
GET  /console/admin/users                        admin; a supervisor sees their team, read-only
POST /console/admin/users                        create (a one-time password when none is given)
POST /console/admin/users/{id}/role              change role and team
POST /console/admin/users/{id}/deactivate        with a reason: sessions end, tokens revoked
POST /console/admin/users/{id}/password          reset: a one-time password, sessions end
GET  /console/admin/sessions[?user_id=]          live sessions (of one user), admin
POST /console/admin/sessions/{id}/revoke         end one
POST /console/admin/sessions/revoke-all          end every session of `user_id`
GET  /console/admin/tokens                       API tokens; a supervisor sees the team's
POST /console/admin/tokens                       create (the secret is shown once)
POST /console/admin/tokens/{id}/revoke           revoke
GET  /console/account                            own sessions, own password
POST /console/account/password                   change it (current one needed); others end
POST /console/account/sessions/{id}/revoke       end one of one's own sessions
POST /console/account/sessions/revoke-others     end all but this one

Every form works without JavaScript: success answers with a redirect (303) to the screen, a
refusal renders the screen again with the reason beside the form and the values kept. One-time
secrets are only ever in the answer to the POST that made them (pages are `no-store`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calmdesk.actions import admin as admin_actions
from calmdesk.actions import people as people_actions
from calmdesk.actions import sessions as session_actions
from calmdesk.domain.admin_errors import UnknownTeam
from calmdesk.domain.errors import CalmdeskError, MalformedInput, NotFound, PermissionDenied
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import ApiToken, User
from calmdesk.storage.trust import UserSession
from calmdesk.web import auth
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.console.people_view import (
    people_rows,
    session_rows,
    team_options,
    token_rows,
)
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep, StaffPrincipal
from calmdesk.web.errors import status_for
from calmdesk.web.pages import render, team_tz

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)
Short = Annotated[str, Form(max_length=2_000)]
Secret = Annotated[str, Form(max_length=200)]
MAX_ID = 2**31 - 1
ROLES = [r.value for r in UserRole]
_DONE = {
    "role": "Role and team saved.",
    "deactivated": "Deactivated: their sessions ended and their API tokens were revoked.",
    "revoked": "Revoked.",
    "sessions": "Sessions ended.",
    "password": "Password changed; your other sessions ended.",
}


def _known(ident: int, what: str) -> None:
    """Ids beyond what the database stores are refused before any query (never a 500)."""
    if not 0 < ident <= MAX_ID:
        raise NotFound(f"There is no {what} with that number.")


def _require_admin(user: StaffPrincipal) -> None:
    if user.role is not UserRole.ADMIN:
        raise PermissionDenied("Only an admin may do that.")


def _require_viewer(user: StaffPrincipal) -> None:
    if user.role not in (UserRole.SUPERVISOR, UserRole.ADMIN):
        raise PermissionDenied("The admin screens are for admins (supervisors may look).")


def _team_id(value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_ID:
        raise UnknownTeam()
    return int(text)


def _user_id(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise MalformedInput("Choose a person from the list.")
    return int(text)


def _done(done: str) -> str:
    return _DONE.get(done, "")


# --- users ---------------------------------------------------------------------------------


def _users_page(
    request: Request,
    user: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    actions: ActionsDep,
    status: int = 200,
    **extra: Any,
) -> Response:
    rows = people_rows(session, user, team_tz(settings), actions.now())
    teams = team_options(session)
    session.commit()
    context = page_context(
        user, nav="admin", tab="users", rows=rows, teams=teams, roles=ROLES,
        can_edit=user.role is UserRole.ADMIN,
    )  # fmt: skip
    defaults: dict[str, Any] = {
        "error": "", "values": {}, "row_error": {}, "secret": None, "flash": "",
    }  # fmt: skip
    return render(request, "console/admin_users.html", context | defaults | extra, status)


@router.get("/admin")
def admin_home(user: ConsoleUser) -> Response:
    _require_viewer(user)
    return RedirectResponse("/console/admin/users", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, done: str = "",
) -> Response:  # fmt: skip
    """Everyone (admin) or the supervisor's team: role, team, active, last login, sessions."""
    _require_viewer(user)
    return _users_page(request, user, session, settings, actions, flash=_done(done))


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, username: Short = "", display_name: Short = "", role: Short = "agent",
    team_id: Short = "", password: Secret = "",
) -> Response:  # fmt: skip
    """A new user; with the password left empty, a one-time password is shown once."""
    _require_admin(user)
    values = {"username": username, "display_name": display_name, "role": role, "team_id": team_id}
    try:
        row, generated = admin_actions.add_user(
            actions, user.acting(), username=username, display_name=display_name, role=role,
            team_id=_team_id(team_id), password=password,
        )  # fmt: skip
    except CalmdeskError as err:
        session.rollback()
        return _users_page(
            request, user, session, settings, actions, status_for(err),
            error=err.message, values=values,
        )  # fmt: skip
    secret = None
    if generated:
        secret = {"what": f"One-time password for {row.username}", "value": generated}
    flash = f"{row.username} was created."
    return _users_page(request, user, session, settings, actions, secret=secret, flash=flash)


def _row_refused(
    request: Request, user: StaffPrincipal, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, user_id: int, err: CalmdeskError, **values: str,
) -> Response:  # fmt: skip
    session.rollback()
    row_error = {user_id: {"message": err.message, **values}}
    return _users_page(
        request, user, session, settings, actions, status_for(err), row_error=row_error
    )


@router.post("/admin/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request, user_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep, role: Short = "", team_id: Short = "",
) -> Response:  # fmt: skip
    """Set the user's role and team; the last active admin stays an admin."""
    _require_admin(user)
    _known(user_id, "user")
    try:
        admin_actions.change_role(actions, user.acting(), user_id, role, _team_id(team_id))
    except CalmdeskError as err:
        return _row_refused(
            request, user, session, settings, actions, user_id, err, role=role, team_id=team_id
        )
    return RedirectResponse(f"/console/admin/users?done=role#user-{user_id}", status_code=303)


@router.post("/admin/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate(
    request: Request, user_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep, reason: Short = "",
) -> Response:  # fmt: skip
    """No more logins: the user's sessions end and their API tokens are revoked."""
    _require_admin(user)
    _known(user_id, "user")
    try:
        admin_actions.deactivate(actions, user.acting(), user_id, reason)
    except CalmdeskError as err:
        return _row_refused(request, user, session, settings, actions, user_id, err, reason=reason)
    return RedirectResponse(
        f"/console/admin/users?done=deactivated#user-{user_id}", status_code=303
    )


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(
    request: Request, user_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep,
) -> Response:  # fmt: skip
    """A one-time password, shown once in this answer; every session of the user ends."""
    _require_admin(user)
    _known(user_id, "user")
    try:
        row, password = admin_actions.reset_password(actions, user.acting(), user_id)
    except CalmdeskError as err:
        return _row_refused(request, user, session, settings, actions, user_id, err)
    secret = {"what": f"One-time password for {row.username}", "value": password}
    flash = f"The password of {row.username} was reset; their sessions ended."
    return _users_page(request, user, session, settings, actions, secret=secret, flash=flash)


# --- sessions ------------------------------------------------------------------------------


@router.get("/admin/sessions", response_class=HTMLResponse)
def sessions_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, user_id: int | None = None, done: str = "",
) -> Response:  # fmt: skip
    """The live sessions of one user (or of everyone), with their last use."""
    _require_admin(user)
    now, tz = actions.now(), team_tz(settings)
    people = {p["id"]: p for p in people_rows(session, user, tz, now)}
    if user_id is not None:
        _known(user_id, "user")
        if user_id not in people:
            raise NotFound(f"There is no user {user_id}.")
    chosen = [user_id] if user_id is not None else [p for p in people if people[p]["sessions"]]
    groups = []
    for ident in chosen:
        rows = session_rows(session, ident, user.session_id, tz, now)
        if user_id is None:
            rows = [r for r in rows if r["live"]]
        groups.append({"person": people[ident], "sessions": rows})
    session.commit()
    context = page_context(
        user, nav="admin", tab="sessions", groups=groups, one_user=user_id, flash=_done(done)
    )
    return render(request, "console/admin_sessions.html", context)


def _back_to_sessions(user_id: int | None) -> Response:
    query = f"user_id={user_id}&" if user_id else ""
    return RedirectResponse(f"/console/admin/sessions?{query}done=sessions", status_code=303)


@router.post("/admin/sessions/{session_id}/revoke")
def revoke_one_session(
    session_id: int, user: ConsoleUser, session: SessionDep, actions: ActionsDep,
    back: Short = "",
) -> Response:  # fmt: skip
    """End one session now (in every server process)."""
    _require_admin(user)
    _known(session_id, "session")
    row = session.get(UserSession, session_id)
    session.commit()
    if row is None:
        raise NotFound(f"There is no session {session_id}.")
    session_actions.revoke_session(actions, user.acting(), session_id, "revoked_by_admin")
    return _back_to_sessions(row.user_id if back == "user" else None)


@router.post("/admin/sessions/revoke-all")
def revoke_all_sessions(
    user: ConsoleUser, session: SessionDep, actions: ActionsDep, user_id: Short = ""
) -> Response:
    """End every session of one user."""
    _require_admin(user)
    target = _user_id(user_id)
    found = session.get(User, target)
    session.commit()
    if found is None:
        raise NotFound(f"There is no user {target}.")
    session_actions.revoke_user_sessions(actions, user.acting(), target, "revoked_by_admin")
    return _back_to_sessions(target)


# --- API tokens ----------------------------------------------------------------------------


def _tokens_page(
    request: Request, user: StaffPrincipal, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, status: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    tz = team_tz(settings)
    tokens = token_rows(session, user, tz)
    owners = [p for p in people_rows(session, user, tz, actions.now()) if p["active"]]
    session.commit()
    context = page_context(
        user, nav="admin", tab="tokens", tokens=tokens, owners=owners,
        can_edit=user.role is UserRole.ADMIN,
    )  # fmt: skip
    defaults: dict[str, Any] = {"error": "", "values": {}, "secret": None, "flash": ""}
    return render(request, "console/admin_tokens.html", context | defaults | extra, status)


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, done: str = "",
) -> Response:  # fmt: skip
    """API tokens with owner, prefix, creation, last use and revocation."""
    _require_viewer(user)
    return _tokens_page(request, user, session, settings, actions, flash=_done(done))


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, user_id: Short = "", name: Short = "",
) -> Response:  # fmt: skip
    """A new token; its secret is in this answer only."""
    _require_admin(user)
    values = {"user_id": user_id, "name": name}
    try:
        secret, row = admin_actions.add_api_token(actions, user.acting(), _user_id(user_id), name)
    except CalmdeskError as err:
        session.rollback()
        return _tokens_page(
            request, user, session, settings, actions, status_for(err),
            error=err.message, values=values,
        )  # fmt: skip
    shown = {"what": f"API token {row.name} ({row.prefix}…)", "value": secret}
    return _tokens_page(
        request, user, session, settings, actions, secret=shown, flash="The token was created."
    )


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, user: ConsoleUser, session: SessionDep, actions: ActionsDep
) -> Response:
    """Revoke a token at once; revoking twice changes nothing."""
    _require_admin(user)
    _known(token_id, "API token")
    if session.get(ApiToken, token_id) is None:
        session.commit()
        raise NotFound(f"There is no API token {token_id}.")
    session.commit()
    session_actions.revoke_api_token(actions, user.acting(), token_id)
    return RedirectResponse(f"/console/admin/tokens?done=revoked#token-{token_id}", 303)


# --- the account page ----------------------------------------------------------------------


def _account_page(
    request: Request, user: StaffPrincipal, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, status: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    rows = session_rows(session, user.user_id, user.session_id, team_tz(settings), actions.now())
    session.commit()
    context = page_context(user, nav="account", sessions=rows)
    defaults: dict[str, Any] = {"error": "", "flash": ""}
    return render(request, "console/account.html", context | defaults | extra, status)


@router.get("/account", response_class=HTMLResponse)
def account(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, done: str = "",
) -> Response:  # fmt: skip
    """Your sessions (revoke any) and your password."""
    return _account_page(request, user, session, settings, actions, flash=_done(done))


@router.post("/account/password", response_class=HTMLResponse)
def change_own_password(
    request: Request, user: ConsoleUser, session: SessionDep, settings: SettingsDep,
    actions: ActionsDep, current_password: Secret = "", new_password: Secret = "",
    confirm_password: Secret = "",
) -> Response:  # fmt: skip
    """A new password (the current one is needed); every other session of yours ends."""
    try:
        if new_password != confirm_password:
            raise MalformedInput("The two new passwords differ; type the same one twice.")
        people_actions.change_password(
            actions, user.acting(), user.user_id, new_password,
            current_password=current_password, keep_session_id=user.session_id,
        )  # fmt: skip
    except CalmdeskError as err:
        session.rollback()
        return _account_page(request, user, session, settings, actions, 400, error=err.message)
    return RedirectResponse("/console/account?done=password", status_code=303)


@router.post("/account/sessions/{session_id}/revoke")
def revoke_own_session(
    session_id: int, user: ConsoleUser, session: SessionDep, actions: ActionsDep
) -> Response:
    """End one of your sessions; ending this one logs you out."""
    _known(session_id, "session")
    row = session.get(UserSession, session_id)
    session.commit()
    if row is None or row.user_id != user.user_id:
        raise NotFound(f"There is no session {session_id} of yours.")
    session_actions.revoke_session(actions, user.acting(), session_id, "revoked")
    if session_id == user.session_id:
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response
    return RedirectResponse("/console/account?done=sessions", status_code=303)


@router.post("/account/sessions/revoke-others")
def revoke_other_sessions(user: ConsoleUser, actions: ActionsDep) -> Response:
    """End every session of yours but this one."""
    session_actions.revoke_user_sessions(
        actions, user.acting(), user.user_id, "revoked", keep_session_id=user.session_id
    )
    return RedirectResponse("/console/account?done=sessions", status_code=303)
