"""sessions, chat-token expiry, token revocation, shared rate limits, retention (issue 9)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from calmdesk.storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        _when("expires_at", False),
        _when("last_seen_at"),
        _when("revoked_at"),
        sa.Column("revoked_reason", sa.String(length=40), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_table(
        "chat_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _when("expires_at", False),
        _when("last_used_at"),
        _when("revoked_at"),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_chat_tokens_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_chat_tokens_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_chat_tokens_token_hash")),
    )
    op.create_index(op.f("ix_chat_tokens_conversation_id"), "chat_tokens", ["conversation_id"])
    op.create_index(op.f("ix_chat_tokens_customer_id"), "chat_tokens", ["customer_id"])
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window", name=op.f("pk_rate_counters")),
    )
    op.create_index(op.f("ix_rate_counters_expires"), "rate_counters", ["expires"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "team_policies",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("mask_contacts", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("retention_mode", sa.String(length=16), nullable=False),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_policies_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_policies")),
    )


def downgrade() -> None:
    op.drop_table("team_policies")
    op.drop_table("login_failures")
    op.drop_index(op.f("ix_rate_counters_expires"), table_name="rate_counters")
    op.drop_table("rate_counters")
    op.drop_index(op.f("ix_chat_tokens_customer_id"), table_name="chat_tokens")
    op.drop_index(op.f("ix_chat_tokens_conversation_id"), table_name="chat_tokens")
    op.drop_table("chat_tokens")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
