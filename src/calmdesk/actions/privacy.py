"""Personal data in records: redaction before storage, team policies, retention and erasure.

    personal_text(session, settings, team_id, text)   the text to store (payment data always
                                                       out; e-mails and phones when the team asks)
    set_team_policy(ctx, actor, team_id, ...)         mask contacts, retention days and mode
    apply_retention(ctx, actor)                       delete or anonymise conversations older
                                                       than their team's retention
    erase_customer(ctx, actor, customer_id, reason)   the customer's personal data and texts out;
                                                       the audit keeps that it happened

Every action that stores free text (turns, notes, reasons, outcomes, escalation summaries, imports)
passes it through `personal_text` first, so analysis, search, exports, logs and the model prompt
only ever see the redacted text; `privacy_guard` redacts payment data in the free-text columns the
newer records added (and the audit rows copying them) before any flush.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, Table, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from calmdesk.actions import privacy_guard  # noqa: F401 - redacts the newer free-text columns
from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.analysis.privacy import scrub
from calmdesk.config import Settings
from calmdesk.domain import InputError, NotFound
from calmdesk.storage import (
    ActionTaken,
    Base,
    Commitment,
    Conversation,
    Customer,
    Escalation,
    FollowUp,
    Note,
    RuleFiring,
    Team,
    Timer,
    TimerKind,
    Turn,
    UserRole,
)
from calmdesk.storage.intake import EmailMessage
from calmdesk.storage.trust import ChatToken, TeamPolicy

__all__ = [
    "ErasureReport",
    "RetentionReport",
    "anonymise_conversation",
    "apply_retention",
    "delete_conversation",
    "erase_customer",
    "personal_text",
    "redacted",
    "set_team_policy",
    "team_policy",
]

REMOVED = "[removed]"
RETENTION_MODES = ("anonymise", "delete")
_TURN_TIMERS = (TimerKind.RESPONSE_DUE,)
_COMMITMENT_TIMERS = (TimerKind.COMMITMENT_REMINDER, TimerKind.COMMITMENT_OVERDUE)
_FOLLOW_UP_TIMERS = (TimerKind.FOLLOW_UP_DUE,)
log = logging.getLogger(__name__)


def team_policy(session: Session, team_id: int | None) -> TeamPolicy:
    """The team's policy row, or the defaults (payment data only, keep forever)."""
    row = session.get(TeamPolicy, team_id) if team_id is not None else None
    if row is None:
        return TeamPolicy(team_id=team_id or 0, mask_contacts=False, retention_days=None,
                          retention_mode="anonymise")  # fmt: skip
    return row


def personal_text(session: Session, settings: Settings, team_id: int | None, text: str) -> str:
    """`text` as it may be stored for a record of `team_id` (see the module docstring)."""
    if not text:
        return text
    if team_id is None:
        return redacted(settings, None, None, text)
    return redacted(settings, team_id, team_policy(session, team_id).mask_contacts, text)


def redacted(settings: Settings, team_id: int | None, team_mask: bool | None, text: str) -> str:
    """`personal_text` for a caller that read the team's `TeamPolicy.mask_contacts` itself (in
    the query that read the record; None: the team has no policy row, so the default)."""
    if not text:
        return text
    mask = settings.privacy_mask_contacts if team_id is None else bool(team_mask)
    return scrub(text, mask_contacts=mask, region=settings.privacy_phone_region).text


def set_team_policy(
    ctx: ActionContext,
    actor: Actor,
    team_id: int,
    *,
    mask_contacts: bool | None = None,
    retention_days: int | None = None,
    retention_mode: str | None = None,
    clear_retention: bool = False,
) -> TeamPolicy:
    """Change a team's privacy policy (admins); only the given settings change."""
    actor.require_role(UserRole.ADMIN)
    if retention_days is not None and not 1 <= retention_days <= 36_500:
        raise InputError("Retention must be 1 to 36500 days (or cleared to keep forever).")
    if retention_mode is not None and retention_mode not in RETENTION_MODES:
        raise InputError(f"Retention mode must be one of {', '.join(RETENTION_MODES)}.")
    with ctx.sessions.begin() as session:
        if session.get(Team, team_id) is None:
            raise NotFound(f"No team with id {team_id}.")
        row = session.get(TeamPolicy, team_id)
        if row is None:
            row = TeamPolicy(team_id=team_id, mask_contacts=False, retention_mode="anonymise")
            session.add(row)
        before = _policy(row)
        if mask_contacts is not None:
            row.mask_contacts = bool(mask_contacts)
        if retention_days is not None or clear_retention:
            row.retention_days = None if clear_retention else retention_days
        if retention_mode is not None:
            row.retention_mode = retention_mode
        row.updated_at = ctx.now()
        session.flush()
        write_audit(session, actor, "team.policy_changed", row, before, _policy(row))
    return row


def _policy(row: TeamPolicy) -> dict[str, object]:
    return {
        "mask_contacts": row.mask_contacts,
        "retention_days": row.retention_days,
        "retention_mode": row.retention_mode,
    }


@dataclass(frozen=True, slots=True)
class RetentionReport:
    anonymised: int
    deleted: int


def apply_retention(
    ctx: ActionContext, actor: Actor, *, now: datetime | None = None
) -> RetentionReport:
    """Anonymise or delete conversations whose last activity is older than their team's retention.

    One transaction per conversation, so a long run never holds the write lock for long; an
    anonymised conversation is marked and not touched again."""
    when = now or ctx.now()
    with ctx.sessions() as session:
        policies = [
            (p.team_id, p.retention_days, p.retention_mode)
            for p in session.scalars(
                select(TeamPolicy).where(TeamPolicy.retention_days.is_not(None))
            )
        ]
        due: list[tuple[int, str]] = []
        for team_id, days, mode in policies:
            cutoff = when - timedelta(days=int(days or 0))
            ids = session.scalars(
                select(Conversation.id).where(
                    Conversation.team_id == team_id, Conversation.updated_at < cutoff
                )
            ).all()
            due += [(i, mode) for i in ids]
    anonymised = deleted = 0
    for conversation_id, mode in due:
        with ctx.sessions.begin() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                continue
            files = mail_files(session, EmailMessage.conversation_id == conversation_id)
            if mode == "delete":
                delete_conversation(session, actor, conversation, "retention")
                deleted += 1
            elif not (conversation.meta or {}).get("anonymised_at"):
                anonymise_conversation(session, actor, conversation, "retention", when)
                anonymised += 1
        remove_mail_files(ctx, files)
    return RetentionReport(anonymised=anonymised, deleted=deleted)


def _child_ids(session: Session, model: type[Turn | Commitment | FollowUp], cid: int) -> list[int]:
    return list(session.scalars(select(model.id).where(model.conversation_id == cid)).all())


def _drop_timers(session: Session, kinds: tuple[TimerKind, ...], ids: list[int]) -> None:
    if ids:
        session.execute(delete(Timer).where(Timer.kind.in_(kinds), Timer.target_id.in_(ids)))


def anonymise_conversation(
    session: Session, actor: Actor, conversation: Conversation, why: str, now: datetime
) -> None:
    """Every free text of the conversation replaced; counts, dates and outcomes' shape kept."""
    cid = conversation.id
    session.execute(
        update(Turn).where(Turn.conversation_id == cid)
        .values(text=REMOVED, signals=None, review=None)
    )  # fmt: skip
    session.execute(update(Note).where(Note.conversation_id == cid).values(text=REMOVED))
    session.execute(
        update(Escalation).where(Escalation.conversation_id == cid)
        .values(reason=REMOVED, summary=REMOVED)
    )  # fmt: skip
    session.execute(
        update(Commitment).where(Commitment.conversation_id == cid).values(action=REMOVED)
    )
    session.execute(update(FollowUp).where(FollowUp.conversation_id == cid).values(outcome=""))
    session.execute(update(ActionTaken).where(ActionTaken.conversation_id == cid).values(detail=""))
    session.execute(
        update(RuleFiring).where(RuleFiring.conversation_id == cid).values(reason=REMOVED)
    )
    _blank_mail(session, EmailMessage.conversation_id == cid)
    _revoke_chat(session, cid, now)
    conversation.subject, conversation.outcome, conversation.risk_reasons = "", "", []
    conversation.meta = {**(conversation.meta or {}), "anonymised_at": now.isoformat(), "why": why}
    write_audit(session, actor, "conversation.anonymised", conversation, None, {"why": why})


def mail_files(session: Session, *where: object) -> set[str]:
    """The files (attachments and raw messages, relative to the attachments folder) of the
    e-mail rows matching `where`."""
    files: set[str] = set()
    for raw_file, attachments in session.execute(
        select(EmailMessage.raw_file, EmailMessage.attachments).where(*where)  # type: ignore[arg-type]
    ):
        files.update([raw_file] if raw_file else [])
        files.update(
            str(a["stored"]) for a in attachments or () if isinstance(a, dict) and a.get("stored")
        )
    return files


def _blank_mail(session: Session, *where: object) -> None:
    session.execute(  # what was still to send is not sent any more
        update(EmailMessage).where(*where, EmailMessage.status == "queued")  # type: ignore[arg-type]
        .values(status="failed", last_error="removed by retention or erasure before it was sent")
    )  # fmt: skip
    session.execute(
        update(EmailMessage).where(*where)  # type: ignore[arg-type]
        .values(subject="", body=REMOVED, from_addr="", to_addr="", attachments=[], raw_file=None)
    )  # fmt: skip


def remove_mail_files(ctx: ActionContext, files: Iterable[str]) -> int:
    """After the rows were blanked or deleted (committed), remove each file no row still names
    (attachments are shared by content: the same logo in many messages); how many were removed."""
    root = Path(ctx.settings.attachments_dir).resolve()
    unnamed = []
    with ctx.sessions() as session:
        for name in sorted(set(files)):
            target = (root / name).resolve()
            if root not in target.parents:  # never outside the folder, whatever a row says
                continue
            named = or_(
                EmailMessage.raw_file == name,
                cast(EmailMessage.attachments, String).like(f'%"{name}"%'),
            )
            if not session.scalar(select(func.count()).select_from(EmailMessage).where(named)):
                unnamed.append((name, target))
    removed = 0
    for name, target in unnamed:
        try:
            target.unlink(missing_ok=True)
            removed += 1
        except OSError as exc:
            log.warning("could not remove %s (%s); remove it by hand", name, exc.strerror)
    return removed


def delete_conversation(
    session: Session, actor: Actor, conversation: Conversation, why: str
) -> None:
    """The conversation and everything recorded on it deleted; the audit keeps that it was."""
    cid = conversation.id
    _drop_timers(session, _TURN_TIMERS, _child_ids(session, Turn, cid))
    _drop_timers(session, _COMMITMENT_TIMERS, _child_ids(session, Commitment, cid))
    _drop_timers(session, _FOLLOW_UP_TIMERS, _child_ids(session, FollowUp, cid))
    write_audit(session, actor, "conversation.deleted", conversation, None, {"why": why})
    _delete_dependents(session, Base.metadata.tables["conversations"], [cid])
    session.delete(conversation)


def _delete_dependents(session: Session, table: Table, ids: list[int]) -> None:
    """Delete every row that refers (directly or through other rows) to `ids` of `table`,
    children first, whichever area's table it is (read from the foreign keys)."""
    if not ids:
        return
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or child is table:
                continue
            column = child.c[fk.parent.name]
            if "id" in child.c:
                found = [
                    row[0] for row in session.execute(select(child.c.id).where(column.in_(ids)))
                ]
                _delete_dependents(session, child, found)
            session.execute(delete(child).where(column.in_(ids)))


def _revoke_chat(session: Session, conversation_id: int, now: datetime) -> None:
    session.execute(
        update(ChatToken)
        .where(ChatToken.conversation_id == conversation_id, ChatToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


@dataclass(frozen=True, slots=True)
class ErasureReport:
    customer_id: int
    conversations: int
    notes: int


def erase_customer(
    ctx: ActionContext, actor: Actor, customer_id: int, reason: str
) -> ErasureReport:
    """Erase one customer on request (supervisor or admin): profile, conversations' texts, notes.

    The customer row stays (so ids in the audit still resolve) with its personal fields emptied;
    conversations are anonymised; the audit records that the erasure happened and its counts."""
    actor.require_role(UserRole.SUPERVISOR, UserRole.ADMIN)
    now = ctx.now()
    with ctx.sessions.begin() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"No customer with id {customer_id}.")
        conversations = list(
            session.scalars(select(Conversation).where(Conversation.customer_id == customer_id))
        )
        ids = [c.id for c in conversations]
        # their mail kept without a case (refused, ignored); anonymising blanks the rest
        caseless = (
            (EmailMessage.conversation_id.is_(None))
            & (EmailMessage.direction == "in")
            & (func.lower(EmailMessage.from_addr) == (customer.email or "").lower())
            & (EmailMessage.from_addr != "")
        )
        files = mail_files(session, or_(EmailMessage.conversation_id.in_(ids), caseless))
        _blank_mail(session, caseless)
        for conversation in conversations:
            anonymise_conversation(session, actor, conversation, "erasure", now)
        notes = session.execute(
            update(Note).where(Note.customer_id == customer_id).values(text=REMOVED)
        ).rowcount  # type: ignore[attr-defined]
        customer.name, customer.email, customer.phone = f"Erased customer {customer_id}", None, None
        customer.profile, customer.bad_experiences, customer.standing_reason = {}, [], ""
        customer.external_id = None
        session.execute(
            update(ChatToken)
            .where(ChatToken.customer_id == customer_id, ChatToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        report = ErasureReport(customer_id, len(conversations), int(notes or 0))
        write_audit(
            session, actor, "customer.erased", customer, None,
            {"conversations": report.conversations, "notes": report.notes,
             "reason": {"chars": len(reason or "")}},
        )  # fmt: skip
    remove_mail_files(ctx, files)
    return report
