"""Apply the Alembic migrations that ship inside the package (`calmdesk db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from calmdesk.storage.engine import make_engine

__all__ = ["alembic_config", "current_revision", "head_revision", "include_object", "upgrade"]

_MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and `database_url`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> str:
    """Migrate to `revision` after checking durability; return the revision reached."""
    engine = make_engine(database_url)
    try:
        cfg = alembic_config(database_url)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return current_revision(database_url) or ""
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    engine = make_engine(database_url, check=False)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision shipped with this calmdesk."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    return head or ""


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the full-text parts of migration 0004 (SQLite FTS5 tables, PostgreSQL's generated
    `search_vector` column) out of autogenerate."""
    if type_ == "column" and reflected and name == "search_vector":
        return False
    return not (type_ == "table" and reflected and (name or "").startswith("search_"))
