"""Importing conversations from the analyze contract (JSON Lines) or CSV: resumable, deduplicated.

JSON Lines, one conversation a line (the `calmdesk analyze` contract, with optional extras):
  {"id": "...", "turns": [{"role": "customer"|"agent"|"bot", "text": "...", "at": "ISO-8601"}],
   "channel": "email", "subject": "...",
   "customer": {"external_id": "...", "name": "...", "tier": "..."}}
CSV, one turn a row, rows of a conversation together:
  conversation_id,role,text[,at][,channel][,customer_id][,customer_name]
A conversation whose `id` is already stored (as `external_id`) is skipped. Historical turns are
stored as records (with signals when `analyze` is on); rules and timers do not run for them.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.privacy import personal_text
from calmdesk.actions.turns import to_domain
from calmdesk.actions.validate import clean_text, parse_enum
from calmdesk.domain import (
    CustomerSignals,
    InputError,
    InputTooLarge,
    MalformedInput,
    to_jsonable,
)
from calmdesk.storage import (
    AuthorRole,
    Channel,
    Conversation,
    ConversationStatus,
    Customer,
    ImportCheckpoint,
    Turn,
)

__all__ = [
    "ImportItem",
    "import_batch",
    "import_item",
    "iter_items",
    "load_checkpoint",
    "save_checkpoint",
    "source_key",
]

_ROLES = {"customer": AuthorRole.CUSTOMER, "agent": AuthorRole.AGENT, "bot": AuthorRole.BOT}
MAX_TURNS = 500
MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass
class ImportItem:
    external_id: str
    turns: list[tuple[AuthorRole, str, datetime | None]]
    channel: Channel = Channel.CHAT
    subject: str = ""
    customer: dict[str, Any] = field(default_factory=dict)


def iter_items(path: Path, start: int = 0) -> Iterator[tuple[int, ImportItem | InputError]]:
    """(position, item or the error for that position) from `path`, after `start` positions."""
    if path.suffix.lower() == ".csv":
        yield from _csv_items(path, start)
    else:
        yield from _jsonl_items(path, start)


def _jsonl_items(path: Path, start: int) -> Iterator[tuple[int, ImportItem | InputError]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number <= start or not raw.strip():
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield number, InputTooLarge(f"line {number}: over {MAX_LINE_BYTES} bytes.")
                continue
            try:
                yield number, _item(json.loads(raw.decode("utf-8")))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield number, MalformedInput(f"line {number}: not a JSON object ({exc}).")
            except InputError as exc:
                yield number, type(exc)(f"line {number}: {exc.message}")


def _item(data: Any) -> ImportItem:
    if not isinstance(data, dict):
        raise MalformedInput("each line must be a JSON object with `id` and `turns`.")
    ident, turns = data.get("id"), data.get("turns")
    if not isinstance(ident, str | int) or str(ident).strip() == "":
        raise MalformedInput("`id` must be a non-empty string.")
    if not isinstance(turns, list) or not turns or len(turns) > MAX_TURNS:
        raise MalformedInput(f"`turns` must be a list of 1 to {MAX_TURNS} turns.")
    customer = data.get("customer") or {}
    if not isinstance(customer, dict):
        raise MalformedInput("`customer` must be an object.")
    return ImportItem(
        external_id=str(ident)[:200],
        turns=[_turn(t) for t in turns],
        channel=parse_enum(Channel, data.get("channel") or "chat", "channel"),
        subject=str(data.get("subject") or "")[:300],
        customer=customer,
    )


def _turn(data: Any) -> tuple[AuthorRole, str, datetime | None]:
    if not isinstance(data, dict):
        raise MalformedInput("every turn must be an object with `role` and `text`.")
    role = _ROLES.get(str(data.get("role")))
    if role is None:
        raise MalformedInput(f"turn role {data.get('role')!r} is not customer, agent or bot.")
    return role, clean_text(data.get("text"), "turn text", 20_000), _when(data.get("at"))


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise MalformedInput(f"`at` {value!r} is not an ISO-8601 date and time.") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _csv_items(path: Path, start: int) -> Iterator[tuple[int, ImportItem | InputError]]:
    with path.open("r", encoding="utf-8", errors="strict", newline="") as handle:
        try:
            rows = list(csv.DictReader(handle))
        except (UnicodeDecodeError, csv.Error) as exc:
            yield 0, MalformedInput(f"{path.name} is not a UTF-8 CSV file ({exc}).")
            return
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(str(row.get("conversation_id") or ""), []).append(row)
    for number, (ident, group) in enumerate(groups.items(), start=1):
        if number > start:
            yield number, _csv_item(ident, group)


def _csv_item(ident: str, rows: list[dict[str, str]]) -> ImportItem | InputError:
    first = rows[0]
    data = {
        "id": ident,
        "channel": first.get("channel") or "chat",
        "turns": [{"role": r.get("role"), "text": r.get("text"), "at": r.get("at")} for r in rows],
        "customer": {"external_id": first.get("customer_id"), "name": first.get("customer_name")},
    }
    try:
        return _item(data)
    except InputError as exc:
        return type(exc)(f"conversation {ident!r}: {exc.message}")


def import_item(ctx: ActionContext, actor: Actor, item: ImportItem, *, analyze: bool) -> bool:
    """Store one conversation; False when its external id is already stored (a duplicate)."""
    return import_batch(ctx, actor, [item], analyze=analyze)[0]


def import_batch(
    ctx: ActionContext, actor: Actor, items: list[ImportItem], *, analyze: bool
) -> list[bool]:
    """Store `items` in one transaction; per item, False when its external id was already there."""
    wanted = [i.external_id for i in items]
    with ctx.sessions.begin() as session:
        query = select(Conversation.external_id).where(Conversation.external_id.in_(wanted))
        taken = set(session.scalars(query))
        stored, results = [], []
        for item in items:
            results.append(item.external_id not in taken)
            if results[-1]:
                taken.add(item.external_id)
                stored.append(_store(session, ctx, item))
        if analyze:
            for conv, turns in stored:
                _analyse(ctx, conv, turns)
        for conv, _ in stored:
            write_audit(session, actor, "conversation.imported", conv)
    return results


def _store(session: Any, ctx: ActionContext, item: ImportItem) -> tuple[Conversation, list[Turn]]:
    opened = next((at for _, _, at in item.turns if at), None) or ctx.now()
    conv = Conversation(
        external_id=item.external_id,
        customer=_customer(session, item),
        channel=item.channel,
        subject=personal_text(session, ctx.settings, None, item.subject),
        opened_at=opened,
        updated_at=ctx.now(),
        status=ConversationStatus.RESOLVED,
        meta={"imported": True},
    )
    session.add(conv)
    session.flush()
    turns = [
        Turn(
            conversation_id=conv.id,
            seq=n,
            author_role=role,
            text=personal_text(session, ctx.settings, None, text),
            created_at=at or opened,
        )
        for n, (role, text, at) in enumerate(item.turns, 1)
    ]
    session.add_all(turns)
    conv.customer_turns = sum(t.author_role is AuthorRole.CUSTOMER for t in turns)
    return conv, turns


def _customer(session: Any, item: ImportItem) -> Customer:
    ext = str(item.customer.get("external_id") or f"import:{item.external_id}")[:200]
    existing = session.scalars(select(Customer).where(Customer.external_id == ext)).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    name = str(item.customer.get("name") or f"Imported customer {ext}")[:200]
    customer = Customer(
        external_id=ext, name=name, tier=str(item.customer.get("tier") or "standard")
    )
    session.add(customer)
    return customer


def _analyse(ctx: ActionContext, conv: Conversation, turns: list[Turn]) -> None:
    analysis = ctx.analysis.analyze(to_domain(conv.id, turns))
    for turn, result in zip(turns, analysis.turns, strict=True):
        turn.signals = to_jsonable(result.signals) if result.signals is not None else None
    conv.escalation_risk, conv.trend = float(analysis.escalation_risk), analysis.trend.value
    conv.risk_reasons = list(analysis.reasons)
    last = [r.signals for r in analysis.turns if isinstance(r.signals, CustomerSignals)]
    if last:
        conv.upset, conv.cause = float(last[-1].upset), last[-1].cause.value


def source_key(path: Path) -> str:
    """Names a source file by its content's start and its name (so a moved copy resumes too)."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    return hashlib.sha256(head + path.name.encode()).hexdigest()


def load_checkpoint(ctx: ActionContext, path: Path) -> ImportCheckpoint:
    """The checkpoint for `path` (a new, unsaved one when this file was never imported)."""
    key = source_key(path)
    with ctx.sessions() as session:
        found = session.scalars(select(ImportCheckpoint).where(ImportCheckpoint.source_key == key))
        return found.first() or ImportCheckpoint(
            source_key=key,
            source_name=str(path)[:500],
            lines_done=0,
            imported=0,
            skipped=0,
            failed=0,
        )


def save_checkpoint(ctx: ActionContext, checkpoint: ImportCheckpoint) -> None:
    """Store how far the import got (after each batch)."""
    checkpoint.updated_at = ctx.now()
    with ctx.sessions.begin() as session:
        stored = session.merge(checkpoint)
        session.flush()
        checkpoint.id = stored.id
