"""role-play scenarios, assignments and sessions (issue 13)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from calmdesk.storage.types import JSONType, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "practice_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("coaching", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("practice_assignments", "assigned_by_id", "users"),
        _fk("practice_assignments", "team_id", "teams"),
        _fk("practice_assignments", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_assignments")),
    )
    _index("practice_assignments", "team_id", "user_id")
    op.create_table(
        "practice_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=100), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("coaching", sa.Boolean(), nullable=False),
        sa.Column("replies", JSONType, nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("result", JSONType, nullable=False),
        sa.Column("steps", JSONType, nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("practice_sessions", "assignment_id", "practice_assignments"),
        _fk("practice_sessions", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_sessions")),
    )
    _index("practice_sessions", "assignment_id", "user_id")
    op.create_table(
        "practice_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("practice_comments", "author_id", "users"),
        _fk("practice_comments", "session_id", "practice_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_comments")),
    )
    _index("practice_comments", "session_id")
    op.create_table(
        "practice_scenarios",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("source_conversation_id", sa.Integer(), nullable=False),
        sa.Column("body", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("practice_scenarios", "created_by_id", "users"),
        _fk("practice_scenarios", "source_conversation_id", "conversations"),
        _fk("practice_scenarios", "team_id", "teams"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_scenarios")),
    )
    _index("practice_scenarios", "team_id")


def downgrade() -> None:
    for table in ("practice_scenarios", "practice_comments", "practice_sessions",
                  "practice_assignments"):  # fmt: skip
        op.drop_table(table)
