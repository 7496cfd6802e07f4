"""Reads for the admin screens and the account page: people, their sessions, API tokens.

Plain dicts for the templates; nothing here writes. An admin sees everyone; a supervisor sees the
people of their own team (read-only: the routes offer them no forms).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from calmdesk.actions.sessions import list_api_tokens, list_sessions
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import Team, User
from calmdesk.storage.trust import UserSession
from calmdesk.web.console.reads import local_label
from calmdesk.web.console.view import ago
from calmdesk.web.deps import StaffPrincipal

__all__ = ["people_rows", "session_rows", "team_options", "token_rows", "visible_user_ids"]

_WHEN = "%d %b %Y %H:%M"


def _visible(viewer: StaffPrincipal) -> Any:
    if viewer.role is UserRole.ADMIN:
        return None
    return User.team_id == viewer.team_id if viewer.team_id else false()


def visible_user_ids(session: Session, viewer: StaffPrincipal) -> set[int]:
    stmt = select(User.id)
    where = _visible(viewer)
    return set(session.scalars(stmt if where is None else stmt.where(where)).all())


def team_options(session: Session) -> list[dict[str, Any]]:
    return [{"id": t.id, "name": t.name} for t in session.scalars(select(Team).order_by(Team.name))]


def people_rows(
    session: Session, viewer: StaffPrincipal, tz: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    """Everyone the viewer may see: role, team, active, last login, live sessions."""
    stmt = select(User).order_by(User.is_active.desc(), User.username)
    where = _visible(viewer)
    users = list(session.scalars(stmt if where is None else stmt.where(where)).unique())
    ids = [u.id for u in users]
    last_login = dict(
        session.execute(
            select(UserSession.user_id, func.max(UserSession.created_at))
            .where(UserSession.user_id.in_(ids))
            .group_by(UserSession.user_id)
        ).all()
    )
    live = dict(
        session.execute(
            select(UserSession.user_id, func.count(UserSession.id))
            .where(
                UserSession.user_id.in_(ids),
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .group_by(UserSession.user_id)
        ).all()
    )
    rows = []
    for u in users:
        login = last_login.get(u.id)
        rows.append(
            {
                "id": u.id,
                "username": u.username,
                "name": u.display_name,
                "role": u.role.value,
                "team_id": u.team_id,
                "team": u.team.name if u.team else "—",
                "active": u.is_active,
                "last_login": local_label(login, tz, _WHEN) if login else "never",
                "sessions": int(live.get(u.id, 0)),
                "is_me": u.id == viewer.user_id,
            }
        )
    return rows


def token_rows(session: Session, viewer: StaffPrincipal, tz: ZoneInfo) -> list[dict[str, Any]]:
    """API tokens the viewer may see (admin: all; supervisor: the team's), newest first."""
    rows = list_api_tokens(session)
    if viewer.role is not UserRole.ADMIN:
        allowed = visible_user_ids(session, viewer) | {viewer.user_id}
        rows = [r for r in rows if r.user_id in allowed]
    return [
        {
            "id": r.id,
            "owner": r.user.display_name,
            "owner_username": r.user.username,
            "name": r.name,
            "prefix": r.prefix,
            "created": local_label(r.created_at, tz, _WHEN),
            "last_used": local_label(r.last_used_at, tz, _WHEN) if r.last_used_at else "never",
            "revoked": local_label(r.revoked_at, tz, _WHEN) if r.revoked_at else "",
        }
        for r in rows
    ]


def session_rows(
    session: Session, user_id: int, current: int | None, tz: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    """A user's sessions, live ones first, each with its last use and whether it is this one."""
    rows = []
    for r in list_sessions(session, user_id):
        live = r.revoked_at is None and r.expires_at > now
        rows.append(
            {
                "id": r.id,
                "live": live,
                "current": r.id == current,
                "started": local_label(r.created_at, tz, _WHEN),
                "last_used": ago(r.last_seen_at, now) if r.last_seen_at else "—",
                "client": r.client or "—",
                "agent": r.user_agent or "—",
                "ended": "" if live else (r.revoked_reason or "expired"),
            }
        )
    rows.sort(key=lambda row: not row["live"])
    return rows[:50]
