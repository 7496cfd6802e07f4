"""Alembic environment: runs on the connection calmdesk passes in, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from calmdesk.storage.engine import make_engine
from calmdesk.storage.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the full-text parts of migration 0004 (SQLite FTS5 tables, PostgreSQL's generated
    `search_vector` column) out of autogenerate."""
    if type_ == "column" and reflected and name == "search_vector":
        return False
    return not (type_ == "table" and reflected and (name or "").startswith("search_"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
