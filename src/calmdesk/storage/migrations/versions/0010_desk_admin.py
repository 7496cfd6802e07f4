"""desk admin settings stored as data; one P15 workflow (issue 11)

- `desk_overrides`: the escalation rules and the playbook an admin saved for the desk or a team
  (the packaged files stay the defaults).
- P15 is one workflow: the desk's `p15_cases` rows move into `resolution_cases` (with their
  timeline as `resolution_steps` and an audit row naming the old id), then `p15_cases` is
  dropped. `resolution_cases.decision_due_at` and the timer kind `case_decision_due` carry over
  the arbitration deadline `p15_cases` had.

Downgrade recreates an empty `p15_cases`; the moved cases stay in `resolution_cases`.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from calmdesk.storage.types import JSONType, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_KINDS = (
    "commitment_reminder", "commitment_overdue", "follow_up_due", "response_due",
    "case_proposal_due", "case_appeal_closes",
)  # fmt: skip
_NEW_KIND = "case_decision_due"

# p15_cases (actions/p15.py, removed) -> resolution_cases (analysis/cases.py)
_STATE = {
    "open": "negotiating", "agreed": "resolved", "failed": "closed",
    "awaiting_mediator": "awaiting_mediator", "in_mediation": "mediating", "proposed": "proposed",
    "accepted": "resolved", "rejected": "closed",
    "awaiting_decision": "arbitrating", "decided": "decided", "informed": "decided",
    "appealed": "appealed", "closed": "final",
}  # fmt: skip
_OPENING = {
    "negotiation": "open", "mediation": "awaiting_mediator", "arbitration": "awaiting_decision",
}  # fmt: skip
_STEP_TO = {  # the p15 state each old step led to
    "offer": "open", "answer": "open", "common_ground": "open", "agree": "agreed",
    "fail": "failed", "assign_mediator": "in_mediation", "position": "in_mediation",
    "propose": "proposed", "accept": "accepted", "reject": "rejected", "decide": "decided",
    "inform": "informed", "appeal": "appealed",
}  # fmt: skip
_STEP_NAME = {"agree": "agreed", "fail": "not_agreed", "propose": "proposal"}
_OUTCOME = {
    "agreed": "agreed", "failed": "not agreed", "accepted": "proposal accepted",
    "rejected": "proposal rejected", "closed": "final",
}  # fmt: skip
_TERMINAL = ("resolved", "closed", "final")

_p15 = sa.table(
    "p15_cases",
    sa.column("id", sa.Integer), sa.column("conversation_id", sa.Integer),
    sa.column("kind", sa.String), sa.column("state", sa.String),
    sa.column("opened_by", sa.Integer), sa.column("neutral_id", sa.Integer),
    sa.column("record", JSONType), sa.column("appeal_until", UTCDateTime()),
    sa.column("closed_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()),
    sa.column("created_at", UTCDateTime()),
)  # fmt: skip
_cases = sa.table(
    "resolution_cases",
    sa.column("id", sa.Integer), sa.column("conversation_id", sa.Integer),
    sa.column("track", sa.String), sa.column("state", sa.String), sa.column("reason", sa.Text),
    sa.column("amount", sa.Float), sa.column("opened_by_id", sa.Integer),
    sa.column("mediator_id", sa.Integer), sa.column("first_arbitrator_id", sa.Integer),
    sa.column("decided_by_id", sa.Integer), sa.column("decision", sa.Text),
    sa.column("reasons", sa.Text), sa.column("decided_at", UTCDateTime()),
    sa.column("appeal_until", UTCDateTime()), sa.column("outcome", sa.Text),
    sa.column("closed_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()),
    sa.column("created_at", UTCDateTime()),
)  # fmt: skip
_steps = sa.table(
    "resolution_steps",
    sa.column("case_id", sa.Integer), sa.column("step", sa.String),
    sa.column("state_before", sa.String), sa.column("state_after", sa.String),
    sa.column("actor", sa.String), sa.column("actor_user_id", sa.Integer),
    sa.column("data", JSONType), sa.column("seq", sa.Integer),
    sa.column("created_at", UTCDateTime()),
)  # fmt: skip
_audit = sa.table(
    "audit_log",
    sa.column("at", UTCDateTime()), sa.column("actor", sa.String),
    sa.column("action", sa.String), sa.column("entity", sa.String),
    sa.column("entity_id", sa.String), sa.column("before", JSONType),
    sa.column("after", JSONType),
)  # fmt: skip


def _set_kinds(*values: str) -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_timers_timer_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_timers_timer_kind"), sa.column("kind").in_(values)
        )


def _when(value: Any, default: datetime) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return default
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _move_p15_rows() -> None:
    """Every p15_cases row becomes a resolution case with the same facts and timeline."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_p15).order_by(_p15.c.id)).mappings().all()
    open_on = {
        row.conversation_id
        for row in bind.execute(
            sa.select(_cases.c.conversation_id).where(_cases.c.state.not_in(_TERMINAL))
        )
    }
    for old in rows:
        record: dict[str, Any] = dict(old["record"] or {})
        state = _STATE.get(old["state"], "closed")
        outcome = _OUTCOME.get(old["state"], "")
        if state not in _TERMINAL and old["conversation_id"] in open_on:
            state, outcome = "closed", "closed when moved: another case was open"
        if state not in _TERMINAL:
            open_on.add(old["conversation_id"])
        arbitrated = old["kind"] == "arbitration" and old["state"] != "awaiting_decision"
        now = old["updated_at"] or old["created_at"]
        values = {
            "conversation_id": old["conversation_id"], "track": old["kind"], "state": state,
            "reason": str(record.get("note") or ""), "amount": None,
            "opened_by_id": old["opened_by"],
            "mediator_id": old["neutral_id"] if old["kind"] == "mediation" else None,
            "first_arbitrator_id": old["neutral_id"] if arbitrated else None,
            "decided_by_id": old["neutral_id"] if arbitrated else None,
            "decision": str(record.get("decision") or ""),
            "reasons": str(record.get("reasons") or ""),
            "decided_at": None, "appeal_until": old["appeal_until"], "outcome": outcome,
            "closed_at": old["closed_at"] or (now if state in _TERMINAL else None),
            "updated_at": now, "created_at": old["created_at"],
        }  # fmt: skip
        new_id = bind.execute(sa.insert(_cases).values(**values).returning(_cases.c.id)).scalar()
        _move_steps(bind, int(new_id or 0), old, record)
        bind.execute(
            sa.insert(_audit).values(
                at=now, actor="system:migration", action="resolution_case.moved_from_p15",
                entity="resolution_cases", entity_id=str(new_id), before=None,
                after={"p15_case_id": old["id"], "kind": old["kind"], "state": old["state"]},
            )
        )  # fmt: skip


def _move_steps(bind: Any, case_id: int, old: Any, record: dict[str, Any]) -> None:
    state = _OPENING.get(old["kind"], "open")
    steps = [{"step": "open", "state_before": _STATE.get(state, state),
              "state_after": _STATE.get(state, state), "actor": "p15_cases",
              "data": {"track": old["kind"], "reason": record.get("note") or ""},
              "created_at": old["created_at"]}]  # fmt: skip
    for event in record.get("events") or []:
        if not isinstance(event, dict):
            continue
        step = str(event.get("step") or "")
        target = _STEP_TO.get(step, state)
        data = {k: v for k, v in event.items() if k not in ("step", "by", "at")}
        steps.append({
            "step": _STEP_NAME.get(step, step), "state_before": _STATE.get(state, state),
            "state_after": _STATE.get(target, target), "actor": str(event.get("by") or "")[:200],
            "data": data | {"moved_from": "p15_cases"},
            "created_at": _when(event.get("at"), old["created_at"]),
        })  # fmt: skip
        state = target
    for seq, step_row in enumerate(steps, start=1):
        bind.execute(
            sa.insert(_steps).values(case_id=case_id, actor_user_id=None, seq=seq, **step_row)
        )


def upgrade() -> None:
    op.create_table(
        "desk_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_desk_overrides_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_desk_overrides_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_overrides")),
        sa.UniqueConstraint("kind", "scope", name=op.f("uq_desk_overrides_kind_scope")),
    )
    op.create_index(op.f("ix_desk_overrides_team_id"), "desk_overrides", ["team_id"])
    with op.batch_alter_table("resolution_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_due_at", UTCDateTime(timezone=True), nullable=True))
    _set_kinds(*_KINDS, _NEW_KIND)
    _move_p15_rows()
    op.drop_index(op.f("ix_p15_cases_deadline_at"), table_name="p15_cases")
    op.drop_index(op.f("ix_p15_cases_conversation_id"), table_name="p15_cases")
    op.drop_table("p15_cases")


def downgrade() -> None:
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
        sa.Column("deadline_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("customer_informed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("appeal_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
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
    op.execute(sa.text(f"DELETE FROM timers WHERE kind = '{_NEW_KIND}'"))
    _set_kinds(*_KINDS)
    with op.batch_alter_table("resolution_cases", schema=None) as batch_op:
        batch_op.drop_column("decision_due_at")
    op.drop_index(op.f("ix_desk_overrides_team_id"), table_name="desk_overrides")
    op.drop_table("desk_overrides")
