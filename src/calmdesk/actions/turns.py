"""Posting turns: a customer message (analysed, rules applied) and an agent reply (reviewed).

Posting is idempotent: the same idempotency key on the same conversation returns the stored turn
and writes nothing new, even when two posts race (the unique key decides, the loser re-reads).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
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
from calmdesk.actions.desk_overrides import playbook_for, rules_for
from calmdesk.actions.escalation import apply_firings, load_conversation
from calmdesk.actions.facts import agent_facts, customer_facts
from calmdesk.actions.playbook_scope import using_playbook
from calmdesk.actions.privacy import personal_text, redacted
from calmdesk.actions.promises import create_commitments
from calmdesk.actions.rules import Firing, evaluate
from calmdesk.actions.sla import sla_on_agent_reply, sla_on_customer_turn
from calmdesk.actions.timers import cancel_timers, notify_scheduler
from calmdesk.actions.validate import clean_text
from calmdesk.analysis.reply import Playbook
from calmdesk.domain import (
    Conflict,
    ConversationAnalysis,
    CustomerSignals,
    MalformedInput,
    ModelUnavailable,
    PermissionDenied,
    Review,
    Role,
    to_jsonable,
)
from calmdesk.domain import Conversation as DomainConversation
from calmdesk.domain import Turn as DomainTurn
from calmdesk.storage import (
    AuthorRole,
    Commitment,
    Conversation,
    ConversationStatus,
    RuleFiring,
    Timer,
    TimerKind,
    Turn,
    User,
)
from calmdesk.storage.trust import TeamPolicy

__all__ = [
    "PostedTurn",
    "add_customer_turn",
    "client_key",
    "scoped_key",
    "send_agent_reply",
    "to_domain",
]

_ROLES = {
    AuthorRole.CUSTOMER: Role.CUSTOMER,
    AuthorRole.AGENT: Role.AGENT,
    AuthorRole.BOT: Role.BOT,
}
_KEY_MAX = 200
_SCOPE = re.compile(r"c|s|u\d+")


@dataclass
class PostedTurn:
    """The stored turn; `created` is False when an idempotent retry found it already stored."""

    turn: Turn
    created: bool
    firings: list[RuleFiring] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    timers: list[Timer | None] = field(default_factory=list, repr=False)


class _TurnText(Protocol):
    """What the analysis reads of a stored turn (a `Turn`, or a row of these columns)."""

    @property
    def author_role(self) -> AuthorRole: ...
    @property
    def text(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


def to_domain(conversation_id: int, turns: Sequence[_TurnText]) -> DomainConversation:
    """The stored turns as the analysis sees them (system notices left out)."""
    return DomainConversation(
        id=str(conversation_id),
        turns=tuple(
            DomainTurn(role=_ROLES[t.author_role], text=t.text, at=t.created_at)
            for t in turns
            if t.author_role in _ROLES
        ),
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
    analysis made again outside, on what is stored now; only after `_FRESH_TRIES` such races does
    it run inside the transaction, so the post cannot be starved."""
    raw = clean_text(text, "message", ctx.settings.max_text_chars)
    key = scoped_key(actor, _check_key(idempotency_key))
    for attempt in range(_FRESH_TRIES):
        pre = _pre_analyse(ctx, conversation_id, raw, key)
        last = attempt == _FRESH_TRIES - 1
        try:
            return _post_customer(ctx, actor, conversation_id, raw, key, pre, last)
        except _Stale:
            continue
    raise AssertionError("unreachable: the last attempt analyses inside")  # pragma: no cover


def _post_customer(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    raw: str,
    key: str | None,
    pre: _PreAnalysis | None,
    inside_ok: bool,
) -> PostedTurn:
    """The write transaction of a customer turn, in Core statements (`customer_post`)."""
    try:
        with ctx.sessions.begin() as session:
            case = load_case(session, conversation_id)
            stored = _turn_keys(session, conversation_id)
            found = _retry(stored, key)
            if found is not None:  # the whole turn, to answer with
                existing = session.get(Turn, found.id)
                assert existing is not None
                return PostedTurn(turn=existing, created=False)
            posted = _write_customer(session, ctx, actor, case, stored, raw, key, pre, inside_ok)
    except IntegrityError as err:
        return _replayed(ctx, conversation_id, key, err)
    notify_scheduler(ctx, posted.timers)
    return posted


def _write_customer(
    session: Session,
    ctx: ActionContext,
    actor: Actor,
    case: CaseRow,
    stored: Sequence[_TurnKey],
    raw: str,
    key: str | None,
    pre: _PreAnalysis | None,
    inside_ok: bool,
) -> PostedTurn:
    """Store the turn with its analysis, summarise the case, apply the rules, move the SLA clock,
    schedule the response timer, audit: as the ORM path did, statement for statement where it
    wrote, on the ORM only where it is rare (a rule firing anew, an SLA clock that moves)."""
    case.check_open_to_customer()
    body = redacted(ctx.settings, case.team_id, case.mask_contacts, raw)
    fresh = pre is not None and pre.turn_ids == tuple(t.id for t in stored) and pre.body == body
    if not fresh and not inside_ok:
        raise _Stale  # rolled back: analyse again outside the transaction
    if fresh and pre is not None:
        at, done = pre.at, pre.analysis
        history: list[_StoredTurn] = []
    else:  # the last try: analysed here, on the turns as they are now
        at, done = ctx.now(), None
        history = _turn_rows(session, case.id)
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
    return _posted(turn, recorded, [], [timer])


_FIRED = select(RuleFiring.rule).where(RuleFiring.conversation_id == bindparam("conversation_id"))


def _fires_anew(session: Session, conversation_id: int, firings: Sequence[Firing]) -> bool:
    """Whether a rule that matched has not fired on this conversation yet (`apply_firings`
    records each once): otherwise nothing is written and the case is not loaded."""
    seen = set(session.connection().execute(_FIRED, {"conversation_id": conversation_id}).scalars())
    return any(f.rule.name not in seen for f in firings)


def send_agent_reply(
    ctx: ActionContext,
    actor: Actor,
    conversation_id: int,
    text: str,
    *,
    idempotency_key: str | None = None,
) -> PostedTurn:
    """Store an agent's reply with its review; create its promises and their timers; apply rules.

    The review (the slow part) is made before the write transaction, on the stored conversation;
    if a turn was stored meanwhile it is made again, as for a customer turn."""
    raw = clean_text(text, "reply", ctx.settings.max_text_chars)
    key = scoped_key(actor, _check_key(idempotency_key))
    if not actor.is_staff and not actor.label.startswith("system:"):
        raise PermissionDenied("Only staff can send agent replies.")
    actor.require_desk_role()
    for attempt in range(_FRESH_TRIES):
        pre = _pre_review(ctx, conversation_id, raw, key)
        last = attempt == _FRESH_TRIES - 1
        try:
            return _post(ctx, conversation_id, key, _reply_writer(ctx, actor, raw, key, pre, last))
        except _Stale:
            continue
    raise AssertionError("unreachable: the last attempt reviews inside")  # pragma: no cover


def _reply_writer(
    ctx: ActionContext,
    actor: Actor,
    raw: str,
    key: str | None,
    pre: _PreReview | None,
    inside_ok: bool,
) -> _Writer:
    def write(session: Session, conversation: Conversation, turns: list[_StoredTurn]) -> PostedTurn:
        if conversation.status is ConversationStatus.CLOSED:
            raise Conflict("This conversation is closed; open a new one to reply.")
        body = personal_text(session, ctx.settings, conversation.team_id, raw)
        fresh = pre is not None and pre.turn_ids == tuple(t.id for t in turns) and pre.body == body
        if not fresh and not inside_ok:
            raise _Stale
        if fresh and pre is not None:
            now, review = pre.at, pre.review
        else:
            now = ctx.now()
            with using_playbook(playbook_for(session, ctx.settings, conversation.team_id)):
                review = ctx.analysis.review(to_domain(conversation.id, turns), body, now)
        turn = _new_turn(
            session, ctx, conversation, turns, AuthorRole.AGENT, body, key, actor.user_id, at=now,
            flush=False,
        )  # fmt: skip
        turn.review = to_jsonable(review)
        turn.signals = {
            k: round(getattr(review, k), 4)
            for k in (
                "empathy",
                "apology",
                "politeness",
                "asks_question",
                "offers_solution",
                "reflection",
                "blame",
            )
        }
        session.flush()  # one INSERT with the review and signals
        promises, timers = create_commitments(
            session, ctx, conversation, turn.id, review.commitments, actor.user_id
        )
        _after_reply(session, conversation, turns, actor, now)
        sla_on_agent_reply(session, ctx, conversation, now)
        author = session.get(User, actor.user_id) if actor.user_id else None
        facts = agent_facts(conversation, author, review, body, now)
        recorded = apply_firings(
            session,
            actor,
            conversation,
            evaluate(rules_for(session, ctx, conversation.team_id), "agent_reply", facts),
            turn.id,
        )
        write_audit(session, actor, "turn.agent_sent", turn, None, _turn_audit(turn))
        return _posted(turn, recorded, promises, timers)

    return write


_Writer = Callable[[Session, Conversation, list["_StoredTurn"]], PostedTurn]


@dataclass(frozen=True)
class _PreAnalysis:
    """The analysis of the conversation with the new turn, made before the write transaction."""

    turn_ids: tuple[int, ...]
    body: str
    at: datetime
    analysis: ConversationAnalysis | ModelUnavailable


_FRESH_TRIES = 3
"""Analyses (or reviews) made outside the write transaction before one is made inside."""


class _Stale(Exception):
    """A turn was stored between the analysis and the write transaction: analyse again."""


@dataclass(frozen=True)
class _PreReview:
    """The review of a reply on the stored conversation, made before the write transaction."""

    turn_ids: tuple[int, ...]
    body: str
    at: datetime
    review: Review


def _stored(
    ctx: ActionContext, conversation_id: int, raw: str, key: str | None, *, playbook: bool
) -> tuple[list[_StoredTurn], str, Playbook | None] | None:
    """The stored turns, the text as it will be stored and (with `playbook`) the team's saved
    playbook (None: the file's); None when not found or a retry."""
    with ctx.sessions() as session:
        found = session.connection().execute(_TEAM, {"conversation_id": conversation_id}).first()
        if found is None:
            session.commit()
            return None  # not found: the write path answers
        team_id, mask = found
        turns = _turn_rows(session, conversation_id)
        if key is not None and any(t.idempotency_key == key for t in turns):
            session.commit()
            return None  # a retry: the write path answers without analysing
        body = redacted(ctx.settings, team_id, mask, raw)
        book = playbook_for(session, ctx.settings, team_id) if playbook else None
        session.commit()
    return turns, body, book


_TEAM = (
    select(Conversation.team_id, TeamPolicy.mask_contacts)
    .outerjoin(TeamPolicy, TeamPolicy.team_id == Conversation.team_id)
    .where(Conversation.id == bindparam("conversation_id"))
)  # only its team and the team's privacy policy: not the customer, assignee and team objects


_TURN_ROWS = (
    select(Turn.id, Turn.seq, Turn.author_role, Turn.text, Turn.created_at, Turn.idempotency_key)
    .where(Turn.conversation_id == bindparam("conversation_id"))
    .order_by(Turn.seq)
)


class _TurnKey(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def idempotency_key(self) -> str | None: ...


class _StoredTurn(_TurnText, _TurnKey, Protocol):
    pass


def _turn_rows(session: Session, conversation_id: int) -> list[_StoredTurn]:
    """The columns of the stored turns that a post reads (no turn objects with their signals and
    review parsed from JSON): rows with those attributes of a `Turn`."""
    rows = session.connection().execute(_TURN_ROWS, {"conversation_id": conversation_id}).all()
    return cast(list[_StoredTurn], rows)


_TURN_KEYS = (
    select(Turn.id, Turn.seq, Turn.idempotency_key)
    .where(Turn.conversation_id == bindparam("conversation_id"))
    .order_by(Turn.seq)
)


_K = TypeVar("_K", bound=_TurnKey)


def _turn_keys(session: Session, conversation_id: int) -> list[_TurnKey]:
    """What the write transaction of a customer turn reads of the stored turns: their ids (the
    freshness check), seq (the next one) and keys (the retry check), not their texts."""
    rows = session.connection().execute(_TURN_KEYS, {"conversation_id": conversation_id}).all()
    return cast(list[_TurnKey], rows)


def _retry(turns: Sequence[_K], key: str | None) -> _K | None:
    """The turn stored under `key` among a conversation's turns (keys are per conversation)."""
    if key is None:
        return None
    return next((t for t in turns if t.idempotency_key == key), None)


def _pre_review(
    ctx: ActionContext, conversation_id: int, raw: str, key: str | None
) -> _PreReview | None:
    stored = _stored(ctx, conversation_id, raw, key, playbook=True)
    if stored is None:
        return None
    turns, body, book = stored
    at = ctx.now()
    with using_playbook(book):
        review = ctx.analysis.review(to_domain(conversation_id, turns), body, at)
    return _PreReview(tuple(t.id for t in turns), body, at, review)


def _pre_analyse(
    ctx: ActionContext, conversation_id: int, raw: str, key: str | None
) -> _PreAnalysis | None:
    stored = _stored(ctx, conversation_id, raw, key, playbook=False)
    if stored is None:
        return None
    turns, body, _ = stored
    at = ctx.now()
    history = to_domain(conversation_id, turns)
    domain = DomainConversation(
        id=history.id, turns=(*history.turns, DomainTurn(role=Role.CUSTOMER, text=body, at=at))
    )
    try:
        analysis: ConversationAnalysis | ModelUnavailable = ctx.analysis.analyze(domain)
    except ModelUnavailable as exc:
        analysis = exc
    return _PreAnalysis(tuple(t.id for t in turns), body, at, analysis)


def _post(ctx: ActionContext, conversation_id: int, key: str | None, write: _Writer) -> PostedTurn:
    try:
        with ctx.sessions.begin() as session:
            conversation = load_conversation(session, conversation_id)
            turns = _turn_rows(session, conversation_id)
            stored = _retry(turns, key)
            if stored is not None:  # the whole turn, to answer with
                existing = session.get(Turn, stored.id)
                assert existing is not None
                return PostedTurn(turn=existing, created=False)
            posted = write(session, conversation, turns)
    except IntegrityError as err:
        return _replayed(ctx, conversation_id, key, err)
    notify_scheduler(ctx, posted.timers)
    return posted


def _replayed(
    ctx: ActionContext, conversation_id: int, key: str | None, err: IntegrityError
) -> PostedTurn:
    """After a unique key refused the INSERT (two posts of one key raced): the turn the other
    stored, or `err` again when there is none."""
    if key is None:
        raise err
    with ctx.sessions() as session:
        existing = _existing(session, conversation_id, key)
    if existing is None:
        raise err
    return PostedTurn(turn=existing, created=False)


def _posted(
    turn: Turn, firings: list[RuleFiring], promises: list[Commitment], timers: list[Timer | None]
) -> PostedTurn:
    return PostedTurn(turn, True, firings, promises, timers)


def scoped_key(actor: Actor, key: str | None) -> str | None:
    """The stored form of an idempotency key: scoped to its author, so one author's key can never
    match (and swallow) another author's message. `client_key` gives the client's key back."""
    if key is None:
        return None
    if actor.customer_id is not None:
        scope = "c"
    elif actor.user_id is not None:
        scope = f"u{actor.user_id}"
    else:
        scope = "s"
    stored = f"{scope}:{key}"
    if len(stored) > _KEY_MAX:
        stored = f"{scope}#{hashlib.sha256(key.encode()).hexdigest()}"
    return stored


def client_key(stored: str | None) -> str | None:
    """The key the client sent, from its stored, author-scoped form (None when hashed)."""
    if stored is None:
        return None
    scope, sep, key = stored.partition(":")
    if sep and _SCOPE.fullmatch(scope):
        return key
    return None if "#" in stored else stored


def _check_key(key: object) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > _KEY_MAX:
        raise MalformedInput(f"The idempotency key must be 1 to {_KEY_MAX} characters of text.")
    return key.strip()


def _existing(session: Session, conversation_id: int, key: str | None) -> Turn | None:
    if key is None:
        return None
    return session.scalars(
        select(Turn).where(Turn.conversation_id == conversation_id, Turn.idempotency_key == key)
    ).first()


def _new_turn(
    session: Session,
    ctx: ActionContext,
    conversation: Conversation,
    turns: list[_StoredTurn],
    role: AuthorRole,
    text: str,
    key: str | None,
    user_id: int | None,
    *,
    at: datetime | None = None,
    flush: bool = True,
) -> Turn:
    """A new turn after `turns`; flushed (its id known) unless `flush` is False, for a caller that
    sets its analysis first and flushes once."""
    now = at or ctx.now()
    seq = (max((t.seq for t in turns), default=0)) + 1
    turn = Turn(
        conversation_id=conversation.id,
        seq=seq,
        author_role=role,
        text=text,
        idempotency_key=key,
        author_user_id=user_id,
        created_at=now,
    )
    session.add(turn)
    if flush:
        session.flush()
    conversation.updated_at = now
    return turn


class _NewTurn:
    """The turn being posted, as the analysis reads it (`_TurnText`)."""

    __slots__ = ("author_role", "created_at", "text")

    def __init__(self, text: str, at: datetime) -> None:
        self.author_role = AuthorRole.CUSTOMER
        self.text = text
        self.created_at = at


def _analyse(
    ctx: ActionContext,
    case: CaseRow,
    before: list[_StoredTurn],
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


def _after_reply(
    session: Session, conversation: Conversation, turns: list[_StoredTurn], actor: Actor, now: Any
) -> None:
    for turn in turns:
        if turn.author_role is AuthorRole.CUSTOMER:
            cancel_timers(session, turn.id, TimerKind.RESPONSE_DUE)
    conversation.last_agent_at = now
    if conversation.assignee_id is None and actor.user_id is not None:
        conversation.assignee_id = actor.user_id
    if conversation.status is ConversationStatus.OPEN:
        conversation.status = ConversationStatus.PENDING


def _turn_audit(turn: Turn) -> dict[str, Any] | None:
    return snapshot(turn, "conversation_id", "seq", "author_role", "author_user_id", "text")
