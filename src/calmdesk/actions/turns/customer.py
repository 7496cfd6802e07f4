"""Posting a customer message: analysed, stored with its signals, the case summarised, the rules
applied, the SLA clock moved and the response timer set, in Core statements (`customer_post`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.customer_post import (
    CaseRow,
    insert_timer,
    load_case,
    store_turn,
    turn_audit,
    update_case,
    update_sla,
    write_audit_row,
)
from calmdesk.actions.desk_overrides import rules_for
from calmdesk.actions.escalation import apply_firings, load_conversation
from calmdesk.actions.facts import customer_facts
from calmdesk.actions.privacy import redacted
from calmdesk.actions.rules import Firing, evaluate
from calmdesk.actions.sla import sla_on_customer_turn
from calmdesk.actions.timers import notify_scheduler
from calmdesk.actions.turns.fresh import FRESH_TRIES, PreAnalysis, Stale, pre_analyse
from calmdesk.actions.turns.posted import PostedTurn, check_key, posted, replayed, retry, scoped_key
from calmdesk.actions.turns.stored import StoredTurn, TurnKey, to_domain, turn_keys, turn_rows
from calmdesk.actions.validate import clean_text
from calmdesk.domain import (
    ConversationAnalysis,
    CustomerSignals,
    ModelUnavailable,
    to_jsonable,
)
from calmdesk.storage import (
    AuthorRole,
    Conversation,
    RuleFiring,
    TimerKind,
    Turn,
)


def add_customer_turn(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    text: str,
    *,
    idempotency_key: str | None = None,
) -> PostedTurn:
    """Store a customer message, analyse the conversation, update the queue summary, apply rules.

    The analysis runs before the write transaction (on SQLite that transaction holds the database's
    write lock). If another turn was stored meanwhile, the transaction is given up and the
    analysis made again outside, on what is stored now; only after `FRESH_TRIES` such races does
    it run inside the transaction, so the post cannot be starved."""
    raw = clean_text(text, "message", ctx.settings.max_text_chars)
    key = scoped_key(actor, check_key(idempotency_key))
    for attempt in range(FRESH_TRIES):
        pre = pre_analyse(ctx, conversation_id, raw, key)
        last = attempt == FRESH_TRIES - 1
        try:
            return _post_customer(ctx, actor, conversation_id, raw, key, pre, last)
        except Stale:
            continue
    raise AssertionError("unreachable: the last attempt analyses inside")  # pragma: no cover


def _post_customer(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    raw: str,
    key: str | None,
    pre: PreAnalysis | None,
    inside_ok: bool,
) -> PostedTurn:
    """The write transaction of a customer turn, in Core statements (`customer_post`)."""
    try:
        with ctx.sessions.begin() as session:
            case = load_case(session, conversation_id)
            stored = turn_keys(session, conversation_id)
            found = retry(stored, key)
            if found is not None:  # the whole turn, to answer with
                existing = session.get(Turn, found.id)
                assert existing is not None
                return PostedTurn(turn=existing, created=False)
            posted = _write_customer(session, ctx, actor, case, stored, raw, key, pre, inside_ok)
    except IntegrityError as err:
        return replayed(ctx, conversation_id, key, err)
    notify_scheduler(ctx, posted.timers)
    return posted


def _write_customer(
    session: Session,
    ctx: ActionContext,
    actor: Actor,
    case: CaseRow,
    stored: Sequence[TurnKey],
    raw: str,
    key: str | None,
    pre: PreAnalysis | None,
    inside_ok: bool,
) -> PostedTurn:
    """Store the turn with its analysis, summarise the case, apply the rules, move the SLA clock,
    schedule the response timer, audit: as the ORM path did, statement for statement where it
    wrote, on the ORM only where it is rare (a rule firing anew, an SLA clock that moves)."""
    case.check_open_to_customer()
    body = redacted(ctx.settings, case.team_id, case.mask_contacts, raw)
    fresh = pre is not None and pre.turn_ids == tuple(t.id for t in stored) and pre.body == body
    if not fresh and not inside_ok:
        raise Stale  # rolled back: analyse again outside the transaction
    if fresh and pre is not None:
        at, done = pre.at, pre.analysis
        history: list[StoredTurn] = []
    else:  # the last try: analysed here, on the turns as they are now
        at, done = ctx.now(), None
        history = turn_rows(session, case.id)
    signals, stored_signals = _analyse(ctx, case, history, body, at, done)
    case.updated_at = at
    seq = max((t.seq for t in stored), default=0) + 1
    turn = store_turn(session, case.id, seq, body, key, at, stored_signals)
    update_case(session, case)
    rules = rules_for(session, ctx, case.team_id)
    firings = evaluate(rules, "customer_turn", customer_facts(case, signals))
    conversation: Conversation | None = None
    recorded: list[RuleFiring] = []
    if firings and _fires_anew(session, case.id, firings):  # an escalation: the ORM's work
        conversation = load_conversation(session, case.id)
        recorded = apply_firings(session, actor, conversation, firings, turn.id)
    if conversation is not None or not update_sla(session, case):
        conversation = conversation or load_conversation(session, case.id)
        sla_on_customer_turn(session, ctx, conversation, at)
        session.flush()  # before the turn's audit row, as the ORM path ordered them
    minutes = rules.response_minutes(case.channel.value)
    timer = insert_timer(session, TimerKind.RESPONSE_DUE, turn.id, at + timedelta(minutes=minutes))
    write_audit_row(session, actor, "turn.customer_added", "turns", turn.id, turn_audit(turn))
    return posted(turn, recorded, [], [timer])


_FIRED = select(RuleFiring.rule).where(RuleFiring.conversation_id == bindparam("conversation_id"))


def _fires_anew(session: Session, conversation_id: int, firings: Sequence[Firing]) -> bool:
    """Whether a rule that matched has not fired on this conversation yet (`apply_firings`
    records each once): otherwise nothing is written and the case is not loaded."""
    seen = set(session.connection().execute(_FIRED, {"conversation_id": conversation_id}).scalars())
    return any(f.rule.name not in seen for f in firings)


class _NewTurn:
    """The turn being posted, as the analysis reads it (`TurnText`)."""

    __slots__ = ("author_role", "created_at", "text")

    def __init__(self, text: str, at: datetime) -> None:
        self.author_role = AuthorRole.CUSTOMER
        self.text = text
        self.created_at = at


def _analyse(
    ctx: ActionContext,
    case: CaseRow,
    before: list[StoredTurn],
    body: str,
    at: datetime,
    done: ConversationAnalysis | ModelUnavailable | None = None,
) -> tuple[CustomerSignals | None, dict[str, Any] | None]:
    """Analyse the conversation up to the new turn (unless `done` already has it) and summarise
    it on `case`; the signals and what is stored of them. A missing model never loses the
    message (the stored signals say it was unavailable)."""
    try:
        if isinstance(done, ModelUnavailable):
            raise done
        analysis = done or ctx.analysis.analyze(to_domain(case.id, [*before, _NewTurn(body, at)]))
    except ModelUnavailable as exc:
        case.customer_turns += 1
        case.last_customer_at = at
        return None, {"unavailable": exc.to_dict()}
    signals = _last_customer_signals(analysis)
    _summarise(case, analysis, signals, at)
    return signals, (to_jsonable(signals) if signals is not None else None)


def _last_customer_signals(analysis: ConversationAnalysis) -> CustomerSignals | None:
    for turn in reversed(analysis.turns):
        if isinstance(turn.signals, CustomerSignals):
            return turn.signals
    return None


def _summarise(
    case: CaseRow,
    analysis: ConversationAnalysis,
    signals: CustomerSignals | None,
    at: datetime,
) -> None:
    case.escalation_risk = float(analysis.escalation_risk)
    case.trend = analysis.trend.value
    case.risk_reasons = list(analysis.reasons)
    case.customer_turns += 1
    case.last_customer_at = at
    if signals is not None:
        case.upset = float(signals.upset)
        if signals.cause.value not in ("none", "other") or case.cause == "none":
            case.cause = signals.cause.value
