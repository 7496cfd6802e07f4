"""Scoring stored conversations (`calmdesk qa --db`, the worker after resolution): only those
whose record changed since their scorecard was written are loaded and scored again."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.qa_load import StoredItem, load_item, playbook_digest, states
from calmdesk.analysis.qa import score_conversation, scorecard_record
from calmdesk.analysis.reply import Playbook, default_playbook, load_playbook
from calmdesk.domain import CalmdeskError
from calmdesk.storage import Conversation, ConversationStatus
from calmdesk.storage.qa import QaFailure, QaScorecard

__all__ = ["QaRun", "qa_playbook", "score_stored_conversations"]

BATCH = 200
"""Conversations fingerprinted, scored and committed together."""

_ENDED = (ConversationStatus.RESOLVED, ConversationStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class QaRun:
    """What a run did: scorecards written, conversations unchanged, conversations that failed."""

    scored: int = 0
    unchanged: int = 0
    failed: int = 0

    def __add__(self, other: QaRun) -> QaRun:
        return QaRun(
            self.scored + other.scored,
            self.unchanged + other.unchanged,
            self.failed + other.failed,
        )


def qa_playbook(ctx: ActionContext) -> Playbook:
    """The playbook the settings name, else the packaged default."""
    path = ctx.settings.playbook_path
    return load_playbook(path) if path else default_playbook()


def _batches(ctx: ActionContext, ids: Sequence[int] | None) -> Iterator[list[int]]:
    last = 0
    while True:
        query = select(Conversation.id).where(
            Conversation.status.in_(_ENDED), Conversation.id > last
        )
        if ids is not None:
            query = query.where(Conversation.id.in_(list(ids)))
        with ctx.sessions() as session:
            batch = list(session.scalars(query.order_by(Conversation.id).limit(BATCH)))
        if not batch:
            return
        yield batch
        last = batch[-1]


def _analysis(ctx: ActionContext, item: StoredItem) -> None:
    if item.analysis is None:  # a customer turn was never analysed (a model was missing then)
        item.analysis = ctx.analysis.analyze(item.conversation)


def _write(
    session: Session,
    actor: Actor,
    item: StoredItem,
    print_: str,
    record: dict[str, Any],
    now: datetime,
) -> None:
    row = item.row
    card = session.scalars(select(QaScorecard).where(QaScorecard.conversation_id == row.id)).first()
    before = None if card is None else {"score": card.score, "fingerprint": card.fingerprint}
    if card is None:
        card = QaScorecard(conversation_id=row.id, opened_at=row.opened_at)
        session.add(card)
    card.score, card.criteria = record["score"], record["criteria"]
    card.agent_turns, card.outcome, card.fingerprint = (
        record["agent_turns"],
        record["outcome"],
        print_,
    )
    card.agent_id, card.team_id, card.channel = item.agent_id, row.team_id, row.channel.value
    card.opened_at, card.resolved_at = row.opened_at, row.resolved_at
    card.scored_at = now  # every write: the analytics rollups refresh the days scored since
    _columns(card, item, record)
    session.flush()
    session.execute(delete(QaFailure).where(QaFailure.scorecard_id == card.id))
    failed = record["outcome"]["failed"]
    session.add_all([QaFailure(scorecard_id=card.id, criterion=name) for name in failed])
    write_audit(session, actor, "qa.scored", card, before,
                {"score": card.score, "fingerprint": print_})  # fmt: skip


def _columns(card: QaScorecard, item: StoredItem, record: dict[str, Any]) -> None:
    """The outcome again as columns for the analytics (same values as `card.outcome`)."""
    outcome, criteria = record["outcome"], record["criteria"]
    turns = record["agent_turns"]
    card.customer_id, card.cause = item.row.customer_id, item.row.cause or "none"
    card.recovered = outcome["recovered"]
    card.first_response_s, card.resolution_s = (
        outcome["first_response_s"],
        outcome["time_to_resolution_s"],
    )
    card.promises_made, card.promises_kept = (
        outcome["promises_made"],
        outcome["promises_kept_on_time"],
    )
    card.escalated = bool(outcome["escalated"] or item.facts.escalations)
    card.repeat_contact = criteria["repeat_contact"]["status"] == "fail"
    follow = criteria["follow_up"]["status"]
    card.follow_up_done = None if follow == "not_applicable" else follow == "pass"
    card.review_score = sum(t["score"] for t in turns) / len(turns) if turns else None
    opened = item.row.opened_at
    card.week = (opened - timedelta(days=opened.weekday())).date().isoformat()
    resolved = item.row.resolved_at
    days = item.retention_days
    card.retention_until = resolved + timedelta(days=days) if resolved is not None else None


def _read_batch(
    ctx: ActionContext, ids: list[int], playbook: Playbook, digest: str
) -> tuple[list[tuple[StoredItem, str]], int]:
    """The changed conversations of `ids` loaded with their new fingerprints, and how many were
    unchanged (one short read transaction)."""
    with ctx.sessions() as session:
        prints = states(session, ids, digest, ctx.now())
        query = select(QaScorecard.conversation_id, QaScorecard.fingerprint)
        known: dict[int, str] = dict(
            session.execute(query.where(QaScorecard.conversation_id.in_(ids))).all()
        )
        changed = [cid for cid in ids if known.get(cid) != prints[cid]]
        items = []
        for cid in changed:
            row = session.get(Conversation, cid)
            assert row is not None
            items.append((load_item(session, row, playbook, ctx.now()), prints[cid]))
    return items, len(ids) - len(changed)


def _score_batch(
    ctx: ActionContext, actor: Actor, ids: list[int], playbook: Playbook, digest: str
) -> QaRun:
    """Read, score outside any transaction (an analysis may take a while), then write the batch
    in one short transaction. A conversation changed in between is scored again next run."""
    items, unchanged = _read_batch(ctx, ids, playbook, digest)
    done: list[tuple[StoredItem, str, dict[str, Any]]] = []
    failed = 0
    for item, fingerprint in items:
        try:
            _analysis(ctx, item)
            assert item.analysis is not None
            card = score_conversation(item.conversation, item.analysis, playbook, facts=item.facts)
        except CalmdeskError:  # a missing model (E601) or an unusable record: counted, skipped
            failed += 1
            continue
        done.append((item, fingerprint, scorecard_record(card)))
    if done:
        with ctx.sessions.begin() as session:
            for item, fingerprint, record in done:
                _write(session, actor, item, fingerprint, record, ctx.now())
    return QaRun(len(done), unchanged, failed)


def score_stored_conversations(
    ctx: ActionContext,
    actor: Actor,
    *,
    playbook: Playbook | None = None,
    conversation_ids: Sequence[int] | None = None,
    progress: Callable[[QaRun], None] | None = None,
) -> QaRun:
    """Score every resolved or closed conversation whose record changed since its scorecard was
    written (or that has none), one transaction per batch; returns the counts."""
    book = playbook or qa_playbook(ctx)
    digest = playbook_digest(book)
    total = QaRun()
    for ids in _batches(ctx, conversation_ids):
        done = _score_batch(ctx, actor, ids, book, digest)
        total = total + done
        if progress is not None:
            progress(done)
    return total
