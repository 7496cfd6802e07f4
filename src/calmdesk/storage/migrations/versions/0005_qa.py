"""QA scorecards, CSAT, analytics (issue 12)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from calmdesk.storage.types import JSONType, UTCDateTime

revision = "0005"
down_revision = "0004"
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
        "qa_scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("criteria", JSONType, nullable=False),
        sa.Column("agent_turns", JSONType, nullable=False),
        sa.Column("outcome", JSONType, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("scored_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("recovered", sa.Boolean(), nullable=True),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("resolution_s", sa.Float(), nullable=True),
        sa.Column("promises_made", sa.Integer(), nullable=False),
        sa.Column("promises_kept", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("repeat_contact", sa.Boolean(), nullable=False),
        sa.Column("follow_up_done", sa.Boolean(), nullable=True),
        sa.Column("review_score", sa.Float(), nullable=True),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("retention_until", UTCDateTime(timezone=True), nullable=True),
        _fk("qa_scorecards", "agent_id", "users"),
        _fk("qa_scorecards", "customer_id", "customers"),
        _fk("qa_scorecards", "conversation_id", "conversations"),
        _fk("qa_scorecards", "team_id", "teams"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_scorecards")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_qa_scorecards_conversation_id")),
    )
    _index("qa_scorecards", "agent_id", "customer_id", "opened_at", "scored_at", "team_id")
    op.create_table(
        "qa_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=60), nullable=False),
        _fk("qa_failures", "scorecard_id", "qa_scorecards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_failures")),
    )
    _index("qa_failures", "scorecard_id")
    op.create_table(
        "csat_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("asked_turn_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("csat_surveys", "asked_turn_id", "turns"),
        _fk("csat_surveys", "conversation_id", "conversations"),
        _fk("csat_surveys", "customer_id", "customers"),
        _fk("csat_surveys", "follow_up_id", "follow_ups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_surveys")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_csat_surveys_conversation_id")),
    )
    _index("csat_surveys", "asked_at", "customer_id")
    op.create_table(
        "qa_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=60), nullable=False),
        sa.Column("automatic", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("analyst_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("qa_overrides", "analyst_id", "users"),
        _fk("qa_overrides", "scorecard_id", "qa_scorecards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_overrides")),
    )
    _index("qa_overrides", "criterion", "scorecard_id")
    op.create_table(
        "qa_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("qa_responses", "agent_id", "users"),
        _fk("qa_responses", "scorecard_id", "qa_scorecards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_responses")),
    )
    _index("qa_responses", "scorecard_id")
    op.create_index(
        "ix_conversations_customer_id_opened_at",
        "conversations",
        ["customer_id", "opened_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_customer_id_opened_at", table_name="conversations")
    for table, columns in (
        ("qa_responses", ("scorecard_id",)),
        ("qa_overrides", ("criterion", "scorecard_id")),
        ("qa_failures", ("scorecard_id",)),
        ("csat_surveys", ("asked_at", "customer_id")),
        ("qa_scorecards", ("agent_id", "customer_id", "opened_at", "scored_at", "team_id")),
    ):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
