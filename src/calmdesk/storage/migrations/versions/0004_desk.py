"""assignment, SLA policies, search, macros, P15 cases (issue 11)

Tables of `storage/desk.py`, and the full-text search indexes behind `storage/search.py`:
FTS5 tables kept in step by triggers on SQLite, GIN expression indexes on PostgreSQL.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calmdesk.storage.types
from calmdesk.storage.search_schema import create_search_index, drop_search_index
from calmdesk.storage.types import JSONType

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("priority", sa.String(length=24), nullable=True),
        sa.Column("tier", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=24), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("next_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_sla_policies_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_policies_name")),
    )
    op.create_table(
        "team_settings",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("routing_mode", sa.String(length=24), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("business_hours", JSONType, nullable=False),
        sa.Column("holidays", JSONType, nullable=False),
        sa.Column("updated_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_settings_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_settings")),
    )
    op.create_table(
        "desk_agents",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("last_seen_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_assigned_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_desk_agents_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_desk_agents")),
    )
    op.create_table(
        "macros",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("failed_checks", JSONType, nullable=False),
        sa.Column("updated_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_macros_author_id_users")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_macros_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macros")),
    )
    with op.batch_alter_table("macros", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_macros_team_id"), ["team_id"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("to_team_id", sa.Integer(), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_assignments_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_assignments_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["users.id"], name=op.f("fk_assignments_from_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["to_team_id"], ["teams.id"], name=op.f("fk_assignments_to_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["users.id"], name=op.f("fk_assignments_to_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignments_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assignments_from_user_id"), ["from_user_id"], unique=False
        )

    op.create_table(
        "conversation_slas",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=80), nullable=False),
        sa.Column(
            "first_response_due_at",
            calmdesk.storage.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "first_response_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "next_response_due_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "resolution_due_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("due_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_metric", sa.String(length=24), nullable=False),
        sa.Column("warned_for", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("breached_for", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_slas_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_slas")),
    )
    with op.batch_alter_table("conversation_slas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_slas_due_at"), ["due_at"], unique=False)

    op.create_table(
        "conversation_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_tags_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_tags")),
        sa.UniqueConstraint(
            "conversation_id", "tag", name=op.f("uq_conversation_tags_conversation_id_tag")
        ),
    )
    with op.batch_alter_table("conversation_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_tags_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_conversation_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "sla_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=80), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("due_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("done_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_sla_outcomes_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_outcomes")),
        sa.UniqueConstraint(
            "conversation_id",
            "metric",
            "due_at",
            name=op.f("uq_sla_outcomes_conversation_id_metric_due_at"),
        ),
    )
    with op.batch_alter_table("sla_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sla_outcomes_conversation_id"), ["conversation_id"], unique=False
        )
    op.create_table(
        "p15_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("neutral_id", sa.Integer(), nullable=True),
        sa.Column("record", JSONType, nullable=False),
        sa.Column("binding", sa.Boolean(), nullable=False),
        sa.Column("deadline_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "customer_informed_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("appeal_until", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", calmdesk.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name=op.f("fk_p15_cases_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["users.id"], name=op.f("fk_p15_cases_opened_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["neutral_id"], ["users.id"], name=op.f("fk_p15_cases_neutral_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_p15_cases")),
    )  # fmt: skip
    op.create_index(op.f("ix_p15_cases_conversation_id"), "p15_cases", ["conversation_id"])
    op.create_index(op.f("ix_p15_cases_deadline_at"), "p15_cases", ["deadline_at"])
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])
    create_search_index()


def downgrade() -> None:
    drop_search_index()
    op.drop_index("ix_conversations_updated_at", table_name="conversations")
    op.drop_index(op.f("ix_p15_cases_deadline_at"), table_name="p15_cases")
    op.drop_index(op.f("ix_p15_cases_conversation_id"), table_name="p15_cases")
    op.drop_table("p15_cases")
    with op.batch_alter_table("sla_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_outcomes_conversation_id"))

    op.drop_table("sla_outcomes")
    with op.batch_alter_table("conversation_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_tags_tag"))
        batch_op.drop_index(batch_op.f("ix_conversation_tags_conversation_id"))

    op.drop_table("conversation_tags")
    with op.batch_alter_table("conversation_slas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_slas_due_at"))

    op.drop_table("conversation_slas")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_from_user_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_conversation_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("macros", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_macros_team_id"))

    op.drop_table("macros")
    op.drop_table("desk_agents")
    op.drop_table("team_settings")
    op.drop_table("sla_policies")
