from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from calmdesk.storage import AuditEntry, AuditImmutable


def _one_entry(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        entry = AuditEntry(actor="user:1", action="test.write", entity="x", entity_id="1")
        session.add(entry)
        session.flush()
        return entry.id


def test_audit_orm_refuses_to_change_an_entry(db_sessions: sessionmaker[Session]) -> None:
    entry_id = _one_entry(db_sessions)
    with pytest.raises(AuditImmutable), db_sessions.begin() as session:
        session.get_one(AuditEntry, entry_id).action = "rewritten"
    with db_sessions() as session:
        assert session.get_one(AuditEntry, entry_id).action == "test.write"


def test_audit_orm_refuses_to_delete_an_entry(db_sessions: sessionmaker[Session]) -> None:
    entry_id = _one_entry(db_sessions)
    with pytest.raises(AuditImmutable), db_sessions.begin() as session:
        session.delete(session.get_one(AuditEntry, entry_id))
    with db_sessions() as session:
        assert session.get(AuditEntry, entry_id) is not None


@pytest.mark.parametrize(
    "statement",
    [update(AuditEntry).values(action="x"), delete(AuditEntry)],
    ids=["update", "delete"],
)
def test_audit_orm_refuses_bulk_statements(
    db_sessions: sessionmaker[Session], statement: object
) -> None:
    _one_entry(db_sessions)
    with pytest.raises(AuditImmutable), db_sessions.begin() as session:
        session.execute(statement)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"],
    ids=["update", "delete"],
)
def test_audit_database_trigger_refuses_raw_sql(
    db_sessions: sessionmaker[Session], sql: str
) -> None:
    _one_entry(db_sessions)
    with pytest.raises(DatabaseError, match="append-only"), db_sessions.begin() as session:
        session.connection().execute(text(sql))
    with db_sessions() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["test.write"]
