"""The people side of QA: an analyst overrides a criterion (kept beside the automatic verdict,
with a comment, audited); the agent acknowledges or disputes their scorecard."""

from __future__ import annotations

from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.validate import clean_text
from calmdesk.domain import InputError, NotFound, PermissionDenied
from calmdesk.storage import UserRole
from calmdesk.storage.qa import QaOverride, QaResponse, QaScorecard

__all__ = ["ANALYSTS", "RESPONSES", "STATUSES", "override_criterion", "respond_to_scorecard"]

STATUSES = ("pass", "fail", "not_applicable")
RESPONSES = ("acknowledge", "dispute")
ANALYSTS = (UserRole.SUPERVISOR, UserRole.ADMIN, UserRole.QA_ANALYST)
"""Who reviews scorecards: QA analysts, and supervisors and admins acting as analysts."""


def _card(session: Session, scorecard_id: int) -> QaScorecard:
    card = session.get(QaScorecard, scorecard_id)
    if card is None:
        raise NotFound(f"No scorecard with id {scorecard_id}.")
    return card


def override_criterion(
    ctx: ActionContext,
    actor: Actor,
    scorecard_id: int,
    criterion: str,
    status: str,
    comment: str,
) -> QaOverride:
    """Record an analyst's verdict on one criterion with the reason; the automatic verdict stays
    in the scorecard beside it. The same verdict as the automatic one counts as a confirmation."""
    actor.require_role(*ANALYSTS)
    if status not in STATUSES:
        raise InputError(f"The verdict must be one of {', '.join(STATUSES)}.")
    reason = clean_text(comment, "comment", 2000)
    with ctx.sessions.begin() as session:
        card = _card(session, scorecard_id)
        automatic = (card.criteria or {}).get(criterion)
        if not isinstance(automatic, dict):
            raise InputError(f"The scorecard has no criterion {criterion[:60]!r}.")
        row = QaOverride(
            scorecard_id=card.id, criterion=criterion, automatic=str(automatic.get("status")),
            status=status, comment=reason, analyst_id=actor.user_id, created_at=ctx.now(),
        )  # fmt: skip
        session.add(row)
        write_audit(session, actor, "qa.override", row, None, snapshot(row))
    return row


def respond_to_scorecard(
    ctx: ActionContext, actor: Actor, scorecard_id: int, kind: str, comment: str = ""
) -> QaResponse:
    """The scorecard's agent acknowledges it, or disputes it (a dispute needs a comment)."""
    if kind not in RESPONSES:
        raise InputError("Answer with acknowledge or dispute.")
    text = comment.strip() if isinstance(comment, str) else ""
    if kind == "dispute" or text:
        text = clean_text(comment, "comment", 2000)
    with ctx.sessions.begin() as session:
        card = _card(session, scorecard_id)
        if actor.user_id is None or actor.user_id != card.agent_id:
            raise PermissionDenied("Only the agent this scorecard is about can answer it.")
        row = QaResponse(scorecard_id=card.id, agent_id=actor.user_id, kind=kind, comment=text,
                         created_at=ctx.now())  # fmt: skip
        session.add(row)
        write_audit(session, actor, "qa.response", row, None, snapshot(row))
    return row
