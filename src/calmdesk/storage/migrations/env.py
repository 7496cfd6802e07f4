"""Alembic environment: runs on the connection calmdesk passes in, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from calmdesk.storage.engine import make_engine
from calmdesk.storage.migrate import include_object
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


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
