"""The full-text indexes behind `storage.search`, created by migration 0004.

SQLite: FTS5 tables over turn texts, conversation subjects and customer names and emails, with
external content (the text is stored once, in the real table) kept in step by triggers.
PostgreSQL: GIN indexes over the same `to_tsvector('simple', ...)` expressions the queries use
(for messages, a stored generated column `turns.search_vector`, left out of the ORM model).
Both tokenise words without stemming, so the same query finds the same records on either.
"""

from __future__ import annotations

from alembic import op

__all__ = ["FTS_TABLES", "PG_VECTORS", "create_search_index", "drop_search_index"]

# fts table -> (content table, indexed columns)
FTS_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "search_turns": ("turns", ("text",)),
    "search_conversations": ("conversations", ("subject",)),
    "search_customers": ("customers", ("name", "email")),
}
# table -> the tsvector expression indexed (and matched by the queries, character for character);
# messages keep theirs in a stored generated column, so a match is not re-tokenised to re-check it
PG_VECTORS: dict[str, str] = {
    "turns": "search_vector",
    "conversations": "to_tsvector('simple', subject)",
    "customers": "to_tsvector('simple', name || ' ' || coalesce(email, ''))",
}


def _sqlite_statements(fts: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def create_search_index() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE turns ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED"
        )
        for table, vector in PG_VECTORS.items():
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (({vector}))")
        return
    for fts, (table, columns) in FTS_TABLES.items():
        for statement in _sqlite_statements(fts, table, columns):
            op.execute(statement)


def drop_search_index() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PG_VECTORS:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
        op.execute("ALTER TABLE turns DROP COLUMN IF EXISTS search_vector")
        return
    for fts in FTS_TABLES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
