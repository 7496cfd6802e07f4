"""P15 conflict-resolution cases: negotiation, mediation, arbitration (issue 11)

Tables of `storage/cases.py`, and two timer kinds (a mediation proposal due, an appeal window
closing) added to the CHECK constraint of `timers.kind`.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from calmdesk.storage.types import JSONType, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_KINDS = ("commitment_reminder", "commitment_overdue", "follow_up_due", "response_due")
_NEW_KINDS = ("case_proposal_due", "case_appeal_closes")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _set_kinds(*values: str) -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_timers_timer_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_timers_timer_kind"), sa.column("kind").in_(values)
        )


def upgrade() -> None:
    op.create_table(
        "resolution_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("proposal_due_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_arbitrator_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("appeal_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("resolution_cases", "conversation_id", "conversations"),
        _fk("resolution_cases", "decided_by_id", "users"),
        _fk("resolution_cases", "first_arbitrator_id", "users"),
        _fk("resolution_cases", "mediator_id", "users"),
        _fk("resolution_cases", "opened_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_cases")),
    )
    for column in ("conversation_id", "mediator_id", "state"):
        op.create_index(op.f(f"ix_resolution_cases_{column}"), "resolution_cases", [column])
    op.create_table(
        "resolution_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("state_before", sa.String(length=24), nullable=False),
        sa.Column("state_after", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("data", JSONType, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("resolution_steps", "actor_user_id", "users"),
        _fk("resolution_steps", "case_id", "resolution_cases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_steps")),
    )
    op.create_index(op.f("ix_resolution_steps_case_id"), "resolution_steps", ["case_id"])
    _set_kinds(*_KINDS, *_NEW_KINDS)


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM timers WHERE kind IN ('case_proposal_due', 'case_appeal_closes')")
    )  # noqa: E501
    _set_kinds(*_KINDS)
    op.drop_table("resolution_steps")
    op.drop_table("resolution_cases")
