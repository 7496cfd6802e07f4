"""Writing the audit row that every action adds, and snapshots of rows for before/after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from calmdesk.actions.context import Actor
from calmdesk.domain import to_jsonable
from calmdesk.storage import AuditEntry, Base

__all__ = ["snapshot", "write_audit"]

_SKIP = {"password_hash", "token_hash"}


def snapshot(row: Base | None, *fields: str) -> dict[str, Any] | None:
    """The row's column values (or only `fields`) as JSON-ready values; secrets are left out."""
    if row is None:
        return None
    columns = fields or tuple(c.key for c in inspect(row).mapper.column_attrs)
    return {name: to_jsonable(getattr(row, name)) for name in columns if name not in _SKIP}


def write_audit(
    session: Session,
    actor: Actor,
    action: str,
    row: Base,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row for `action` on `row`, in the caller's transaction."""
    session.flush()
    entry = AuditEntry(
        actor=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        entity=type(row).__tablename__,
        entity_id=str((inspect(row).identity or ("",))[0]),
        before=before,
        after=after if after is not None else snapshot(row),
    )
    session.add(entry)
    return entry
