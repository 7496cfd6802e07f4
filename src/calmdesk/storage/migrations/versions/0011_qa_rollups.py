"""QA and analytics rollups; the qa_analyst role (issue 12)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from calmdesk.storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ROLES = ("agent", "supervisor", "admin")
_KEY = ("team_id", "assignee_id", "agent_id")
_COUNTS = (
    "conversations", "scorecards", "upset", "calmer", "promises_made", "promises_kept",
    "repeat_contacts", "review_n", "csat_1", "csat_2", "csat_3", "csat_4", "csat_5",
    "complaints_followed", "back_followed", "complaints_unfollowed", "back_unfollowed",
)  # fmt: skip


def _check(values: tuple[str, ...]) -> str:
    return "CHECK (role IN (" + ", ".join(f"'{v}'" for v in values) + "))"


def _set_roles(before: tuple[str, ...], after: tuple[str, ...]) -> None:
    """Change the users' role CHECK from `before` to `after`."""
    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.drop_constraint(op.f("ck_users_user_role"), type_="check")
            batch_op.create_check_constraint(
                op.f("ck_users_user_role"), sa.column("role").in_(after)
            )
        return
    _sqlite_rebuild_users(_check(before), _check(after))


def _sqlite_rebuild_users(before: str, after: str) -> None:
    """SQLite cannot alter a CHECK, and rebuilding `users` (Alembic's batch mode) inside the
    migration's transaction fails: other tables refer to its rows, and foreign keys cannot be
    switched off within a transaction. A CHECK that allows more values changes nothing stored,
    so the table's definition is edited in place, the procedure SQLite documents for such changes
    (https://sqlite.org/lang_altertable.html#otheralter): writable schema, new text, schema
    version + 1, integrity check."""
    bind = op.get_bind()
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"
    ).scalar_one()
    assert before in table_sql, "the users table does not have the expected role CHECK"
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'users'",
            (table_sql.replace(before, after),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = [r[0] for r in bind.exec_driver_sql("PRAGMA quick_check")]
    assert problems == ["ok"], f"integrity check after the users CHECK change: {problems}"


def _ids(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=True) for name in names]


def upgrade() -> None:
    _set_roles(_ROLES, (*_ROLES, "qa_analyst"))
    op.create_table(
        "qa_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        *_ids(*_KEY),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS[:2]],
        sa.Column("score_sum", sa.Float(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS[2:8]],
        sa.Column("review_sum", sa.Float(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS[8:]],
        sa.Column("first_response_values", sa.Text(), nullable=False),
        sa.Column("resolution_values", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_daily")),
    )
    op.create_index("ix_qa_daily_day_team_id", "qa_daily", ["day", "team_id"], unique=False)
    op.create_table(
        "qa_daily_volume",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_ids("team_id", "assignee_id"),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_daily_volume")),
    )
    op.create_index(op.f("ix_qa_daily_volume_day"), "qa_daily_volume", ["day"], unique=False)
    op.create_table(
        "qa_daily_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_ids(*_KEY),
        sa.Column("criterion", sa.String(length=60), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_daily_failures")),
    )
    op.create_index(op.f("ix_qa_daily_failures_day"), "qa_daily_failures", ["day"], unique=False)
    op.create_table(
        "qa_daily_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_ids("team_id", "assignee_id"),
        sa.Column("rule", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_daily_escalations")),
    )
    op.create_index(
        op.f("ix_qa_daily_escalations_day"), "qa_daily_escalations", ["day"], unique=False
    )
    op.create_table(
        "qa_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rolled_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_rollup_state")),
    )


def downgrade() -> None:
    op.drop_table("qa_rollup_state")
    op.drop_index(op.f("ix_qa_daily_escalations_day"), table_name="qa_daily_escalations")
    op.drop_table("qa_daily_escalations")
    op.drop_index(op.f("ix_qa_daily_volume_day"), table_name="qa_daily_volume")
    op.drop_table("qa_daily_volume")
    op.drop_index(op.f("ix_qa_daily_failures_day"), table_name="qa_daily_failures")
    op.drop_table("qa_daily_failures")
    op.drop_index("ix_qa_daily_day_team_id", table_name="qa_daily")
    op.drop_table("qa_daily")
    op.execute("UPDATE users SET role = 'agent' WHERE role = 'qa_analyst'")
    _set_roles((*_ROLES, "qa_analyst"), _ROLES)
