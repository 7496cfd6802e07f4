"""Writing the audit row that every action adds, and snapshots of rows for before/after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from calmdesk.actions.context import Actor
from calmdesk.domain import to_jsonable
from calmdesk.storage import AuditEntry, Base

__all__ = ["snapshot", "text_ref", "write_audit"]

_SKIP = {"password_hash", "token_hash", "csrf"}
# Free text that may hold personal data: the audit says that it changed and how long it is, the
# record itself holds the (redacted) text, so erasing the record erases it everywhere.
_FREE_TEXT = {
    "text", "summary", "reason", "outcome", "detail", "subject", "standing_reason", "action",
    "risk_reasons", "email", "phone", "profile", "bad_experiences", "from_addr", "to_addr",
}  # fmt: skip
_CUSTOMER_TEXT = _FREE_TEXT | {"name"}


def text_ref(value: Any) -> dict[str, Any] | None:
    """What the audit keeps of a free-text value: whether there was one, and its size."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"chars": len(value)}
    return {"items": len(value)} if isinstance(value, list | dict) else {"set": True}


def snapshot(row: Base | None, *fields: str, keep_text: bool = False) -> dict[str, Any] | None:
    """The row's column values (or only `fields`) as JSON-ready values; secrets are left out.

    For the audit log (the default) free text is replaced by `text_ref`; exports pass
    `keep_text=True` to get the (already redacted) text itself."""
    if row is None:
        return None
    columns = fields or tuple(c.key for c in inspect(row).mapper.column_attrs)
    personal: set[str] = set()
    if not keep_text:
        personal = (
            _CUSTOMER_TEXT if getattr(row, "__tablename__", "") == "customers" else _FREE_TEXT
        )
    return {
        name: text_ref(getattr(row, name)) if name in personal else to_jsonable(getattr(row, name))
        for name in columns
        if name not in _SKIP
    }


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
