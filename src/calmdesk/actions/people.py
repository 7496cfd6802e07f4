"""Teams, users, API tokens and customers, including P13 warnings and blocks."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.passwords import hash_password, verify_password
from calmdesk.actions.validate import clean_text, parse_enum
from calmdesk.analysis.privacy import scrub
from calmdesk.domain import Conflict, InputError, NotFound, PermissionDenied
from calmdesk.storage import ApiToken, Customer, CustomerStanding, Team, User, UserRole

__all__ = [
    "authenticate",
    "change_password",
    "deactivate_user",
    "block_customer",
    "create_api_token",
    "create_customer",
    "create_team",
    "create_user",
    "unblock_customer",
    "warn_customer",
]

_MANAGERS = (UserRole.SUPERVISOR, UserRole.ADMIN)
_Row = TypeVar("_Row", Team, User, ApiToken, Customer)


def create_team(ctx: ActionContext, actor: Actor, name: str, description: str = "") -> Team:
    """A new team; names are unique."""
    actor.require_role(UserRole.ADMIN)
    team = Team(name=clean_text(name, "team name", 120), description=description)
    return _insert(ctx, actor, team, "team.created", f"A team named {name!r} already exists.")


def create_user(
    ctx: ActionContext,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    team_id: int | None = None,
    authority_limit: float = 50.0,
) -> User:
    """A new user with a scrypt password hash; usernames are unique."""
    actor.require_role(UserRole.ADMIN)
    if not isinstance(password, str) or len(password) < 8:
        raise InputError("The password must have at least 8 characters.")
    user = User(
        username=clean_text(username, "username", 80).lower(),
        display_name=display_name or username,
        role=parse_enum(UserRole, role, "Role"),
        team_id=team_id,
        password_hash=hash_password(password),
        authority_limit=float(authority_limit),
    )
    return _insert(ctx, actor, user, "user.created", f"The username {username!r} is taken.")


_DUMMY: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash of nothing, at the current cost, checked when the user does not exist, so an
    unknown username takes as long to refuse as a wrong password (no username discovery)."""
    from calmdesk.actions import passwords

    if passwords._N not in _DUMMY:
        _DUMMY[passwords._N] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY[passwords._N]


def authenticate(ctx: ActionContext, username: str, password: str) -> User:
    """The active user with these credentials, or PermissionDenied (same message either way)."""
    with ctx.sessions() as session:
        user = session.scalars(select(User).where(User.username == username.lower())).first()
    if user is None or not user.is_active:
        verify_password(password, _dummy_hash())
        raise PermissionDenied("Unknown username or wrong password.")
    if not verify_password(password, user.password_hash):
        raise PermissionDenied("Unknown username or wrong password.")
    return user


def change_password(
    ctx: ActionContext,
    actor: Actor,
    user_id: int,
    new_password: str,
    *,
    current_password: str | None = None,
    keep_session_id: int | None = None,
) -> User:
    """Set a new password (the user, giving the current one, or an admin) and end the user's
    sessions (all but `keep_session_id`, the one the user changed it from)."""
    from calmdesk.actions.sessions import revoke_user_sessions

    if not isinstance(new_password, str) or len(new_password) < 8:
        raise InputError("The password must have at least 8 characters.")
    is_admin = actor.role is UserRole.ADMIN or actor.label.startswith("system:")
    if not is_admin and actor.user_id != user_id:
        raise PermissionDenied("Only an admin may change another user's password.")
    with ctx.sessions.begin() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"No user with id {user_id}.")
        if not is_admin and not verify_password(current_password or "", user.password_hash):
            raise PermissionDenied("The current password is wrong.")
        user.password_hash = hash_password(new_password)
        write_audit(session, actor, "user.password_changed", user, None, {"changed": True})
        revoke_user_sessions(
            ctx, Actor.system("password"), user_id, "password_changed",
            keep_session_id=keep_session_id, session=session,
        )  # fmt: skip
    return user


def deactivate_user(ctx: ActionContext, actor: Actor, user_id: int, reason: str = "") -> User:
    """Disable a user (admins): no login, every session ended, every API token revoked.

    Their open conversations stay assigned; the desk decides where they go."""
    from calmdesk.actions.sessions import revoke_user_sessions

    actor.require_role(UserRole.ADMIN)
    if actor.user_id == user_id:
        raise Conflict("You cannot deactivate yourself; ask another admin.")
    with ctx.sessions.begin() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"No user with id {user_id}.")
        before = snapshot(user, "is_active")
        user.is_active = False
        now = ctx.now()
        tokens = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        ).all()
        for token in tokens:
            token.revoked_at = now
        ended = revoke_user_sessions(
            ctx, Actor.system("deactivation"), user_id, "deactivated", session=session
        )
        write_audit(
            session, actor, "user.deactivated", user, before,
            {"is_active": False, "sessions_ended": ended, "tokens_revoked": len(tokens),
             "reason": {"chars": len(reason)}},
        )  # fmt: skip
    return user


def create_api_token(
    ctx: ActionContext, actor: Actor, user_id: int, name: str
) -> tuple[str, ApiToken]:
    """A new integration token for `user_id`: the token (shown once) and its stored row."""
    actor.require_role(UserRole.ADMIN)
    token = "cdk_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user_id,
        name=clean_text(name, "token name", 120),
        prefix=token[:10],
        token_hash=hashlib.sha256(token.encode("utf-8")).hexdigest(),
    )
    return token, _insert(ctx, actor, row, "api_token.created", "Could not create the token.")


def create_customer(ctx: ActionContext, actor: Actor, *, name: str, **fields: Any) -> Customer:
    """A new customer; `fields` are Customer columns (tier, email, external_id, history...)."""
    allowed = set(Customer.__table__.columns.keys()) - {"id", "standing", "blocked_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise InputError(f"Unknown customer fields: {', '.join(sorted(unknown))}.")
    customer = Customer(name=clean_text(name, "customer name", 200), **fields)
    return _insert(ctx, actor, customer, "customer.created", "That external id is already used.")


def warn_customer(ctx: ActionContext, actor: Actor, customer_id: int, reason: str) -> Customer:
    """P13: record a warning about abusive behaviour (a later abuse escalates by rule)."""
    return _set_standing(ctx, actor, customer_id, CustomerStanding.WARNED, reason)


def block_customer(ctx: ActionContext, actor: Actor, customer_id: int, reason: str) -> Customer:
    """P13 last resort: end the relationship; a supervisor or admin decides, with a reason."""
    actor.require_role(*_MANAGERS)
    return _set_standing(ctx, actor, customer_id, CustomerStanding.BLOCKED, reason)


def unblock_customer(ctx: ActionContext, actor: Actor, customer_id: int, reason: str) -> Customer:
    """Lift a block (supervisor or admin), with a reason."""
    actor.require_role(*_MANAGERS)
    return _set_standing(ctx, actor, customer_id, CustomerStanding.GOOD, reason)


def _set_standing(
    ctx: ActionContext, actor: Actor, customer_id: int, standing: CustomerStanding, reason: str
) -> Customer:
    why = scrub(
        clean_text(reason, "reason", 2000),
        mask_contacts=ctx.settings.privacy_mask_contacts,
        region=ctx.settings.privacy_phone_region,
    ).text
    fields = ("standing", "standing_reason", "warnings_count", "blocked_at")
    with ctx.sessions.begin() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"No customer with id {customer_id}.")
        before = snapshot(customer, *fields)
        customer.standing, customer.standing_reason = standing, why
        if standing is CustomerStanding.WARNED:
            customer.warnings_count += 1
        customer.blocked_at = ctx.now() if standing is CustomerStanding.BLOCKED else None
        write_audit(
            session,
            actor,
            f"customer.{standing.value}",
            customer,
            before,
            snapshot(customer, *fields),
        )
    return customer


def _insert(ctx: ActionContext, actor: Actor, row: _Row, action: str, conflict: str) -> _Row:
    try:
        with ctx.sessions.begin() as session:
            session.add(row)
            write_audit(session, actor, action, row)
    except IntegrityError as exc:
        raise Conflict(conflict) from exc
    return row
