"""What the admin screens do to people: add users, change role and team, deactivate, reset
passwords, issue API tokens, each checked and audited.

These wrap the actions in `people` and `sessions` with the rules a screen needs: a username the
API would accept, a team that exists, never a team without an active admin, never deactivating
yourself, and one-time passwords made here (shown once by the caller, only their hash stored).
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions import people
from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.validate import clean_text, parse_enum
from calmdesk.domain import Conflict, NotFound
from calmdesk.domain.admin_errors import (
    BadUsername,
    InactiveUser,
    LastActiveAdmin,
    SelfDeactivation,
    UnknownTeam,
    WeakPassword,
)
from calmdesk.storage import ApiToken, Team, User, UserRole

__all__ = [
    "add_api_token",
    "add_user",
    "change_role",
    "deactivate",
    "one_time_password",
    "reset_password",
]

_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")


def one_time_password() -> str:
    """A random password to hand over once (16 URL-safe characters, about 96 bits)."""
    return secrets.token_urlsafe(12)


def _team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise UnknownTeam()


def _active_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    if not user.is_active:
        raise InactiveUser(f"{user.username} is deactivated; nothing about them can change now.")
    return user


def _other_active_admins(session: Session, user_id: int) -> int:
    """Active admins other than `user_id`; their rows are locked (PostgreSQL) until commit, so
    two admins demoting each other at once cannot both succeed."""
    stmt = select(User.id).where(
        User.role == UserRole.ADMIN, User.is_active.is_(True), User.id != user_id
    )
    return len(session.scalars(stmt.with_for_update()).all())


def add_user(
    ctx: ActionContext,
    actor: Actor,
    *,
    username: str,
    role: str,
    display_name: str = "",
    team_id: int | None = None,
    password: str = "",
) -> tuple[User, str | None]:
    """A new user; with no password given, a one-time password is made and returned (else None)."""
    actor.require_role(UserRole.ADMIN)
    name = username.strip() if isinstance(username, str) else ""
    if not _USERNAME.match(name):
        raise BadUsername()
    parse_enum(UserRole, role, "Role")
    shown = clean_text(display_name, "display name", 200) if display_name.strip() else name
    generated = None
    if not password:
        generated = password = one_time_password()
    elif len(password) < 8:
        raise WeakPassword()
    with ctx.sessions() as session:
        _team(session, team_id)
    user = people.create_user(
        ctx, actor, username=name, password=password, role=role, display_name=shown,
        team_id=team_id,
    )  # fmt: skip
    return user, generated


def change_role(
    ctx: ActionContext, actor: Actor, user_id: int, role: str, team_id: int | None
) -> User:
    """Set a user's role and team (admins). The last active admin keeps the admin role."""
    actor.require_role(UserRole.ADMIN)
    new_role = parse_enum(UserRole, role, "Role")
    with ctx.sessions.begin() as session:
        user = _active_user(session, user_id)
        _team(session, team_id)
        if user.role is UserRole.ADMIN and new_role is not UserRole.ADMIN:
            if _other_active_admins(session, user_id) == 0:
                raise LastActiveAdmin()
        before = snapshot(user, "role", "team_id")
        if before == {"role": new_role.value, "team_id": team_id}:
            return user
        user.role, user.team_id = new_role, team_id
        session.flush()
        write_audit(
            session, actor, "user.role_changed", user, before, snapshot(user, "role", "team_id")
        )
    return user


def deactivate(ctx: ActionContext, actor: Actor, user_id: int, reason: str) -> User:
    """Deactivate a user with a reason (admins): sessions end, API tokens are revoked.

    Refused for yourself and for the last active admin."""
    actor.require_role(UserRole.ADMIN)
    clean_text(reason, "reason", 2000)
    if actor.user_id == user_id:
        raise SelfDeactivation()
    with ctx.sessions() as session:
        user = _active_user(session, user_id)
        if user.role is UserRole.ADMIN and _other_active_admins(session, user_id) == 0:
            raise LastActiveAdmin(
                "This is the last active admin; make someone else an admin before deactivating."
            )
    return people.deactivate_user(ctx, actor, user_id, reason.strip())


def reset_password(ctx: ActionContext, actor: Actor, user_id: int) -> tuple[User, str]:
    """A new one-time password for someone else (admins); every session of theirs ends."""
    actor.require_role(UserRole.ADMIN)
    if actor.user_id == user_id:
        raise Conflict(
            "Change your own password on your Account page (it asks for the current one)."
        )
    with ctx.sessions() as session:
        _active_user(session, user_id)
    password = one_time_password()
    user = people.change_password(ctx, actor, user_id, password)
    return user, password


def add_api_token(
    ctx: ActionContext, actor: Actor, user_id: int, name: str
) -> tuple[str, ApiToken]:
    """A new API token for an active user (admins): the secret (shown once) and its row."""
    actor.require_role(UserRole.ADMIN)
    label = clean_text(name, "token name", 120)
    with ctx.sessions() as session:
        _active_user(session, user_id)
    return people.create_api_token(ctx, actor, user_id, label)
