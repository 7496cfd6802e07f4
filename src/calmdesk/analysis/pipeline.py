"""The conversation pipeline: clean every turn, score new texts in batches, read turns in context.

`analyze_many` is the throughput path: it takes conversations in groups, sends every text it has
not seen recently through the encoder and heads in one batch, and yields analyses in input order.
`analyze_conversation` and `analyze_text` are the one-off forms of the same path.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from calmdesk.analysis.context import TurnContext
from calmdesk.analysis.customer import customer_signals
from calmdesk.analysis.gcscope import fewer_collections
from calmdesk.analysis.reply import Playbook, agent_signals, load_playbook
from calmdesk.analysis.scoring import Models, Scored, default_models, is_default
from calmdesk.analysis.text import DEFAULT_MAX_CHARS, clean_text
from calmdesk.analysis.trend import outlook
from calmdesk.domain.conversation import Conversation, Role, Turn
from calmdesk.domain.errors import MalformedInput
from calmdesk.domain.signals import (
    AgentSignals,
    ConversationAnalysis,
    CustomerSignals,
    TurnAnalysis,
)

if TYPE_CHECKING:  # the settings module (pydantic-settings) is not needed to analyse
    from calmdesk.config import Settings

__all__ = [
    "BATCH_TURNS",
    "SEEN_CONVERSATIONS",
    "analyze_conversation",
    "analyze_group",
    "analyze_many",
    "analyze_text",
]

BATCH_TURNS = 512
"""Turns scored together in one model batch by `analyze_many`."""

SEEN_CONVERSATIONS = 2048
"""Conversations whose analysed turns are kept, so a re-sent conversation reads only new turns."""


@dataclass(frozen=True, slots=True)
class _Prepared:
    conversation: Conversation
    turns: tuple[Turn, ...]  # cleaned text
    truncated: tuple[bool, ...]


def _prepare(conversation: object, max_chars: int) -> _Prepared:
    if not isinstance(conversation, Conversation):
        raise MalformedInput(f"Expected a Conversation; got {type(conversation).__name__}.")
    turns: list[Turn] = []
    flags: list[bool] = []
    for turn in conversation.turns:
        if not isinstance(turn, Turn) or not isinstance(turn.role, Role):
            raise MalformedInput(f"Conversation {conversation.id!r} holds something not a Turn.")
        clean = clean_text(turn.text, max_chars)
        turns.append(Turn(turn.role, clean.text, turn.at))
        flags.append(clean.truncated)
    return _Prepared(conversation, tuple(turns), tuple(flags))


@dataclass(frozen=True, slots=True)
class _Run:
    """What stays the same across one call: the models, the text limit and the playbook."""

    models: Models
    max_chars: int
    playbook: Playbook | None

    @classmethod
    def of(cls, models: Models | None, config: Settings | None) -> _Run:
        path = config.playbook_path if config else None
        return cls(
            models or default_models(),
            config.max_text_chars if config else DEFAULT_MAX_CHARS,
            _playbook(str(path)) if path else None,
        )

    def same_as(self, other: _Run) -> bool:
        return (
            self.models is other.models
            and self.max_chars == other.max_chars
            and self.playbook is other.playbook
        )


@functools.lru_cache(maxsize=8)
def _playbook(path: str) -> Playbook:
    return load_playbook(path)


def _agent_signals(
    turn: Turn,
    before: Sequence[Turn],
    done: Sequence[TurnAnalysis],
    scores: dict[str, Scored],
    run: _Run,
) -> AgentSignals:
    if turn.role is not Role.AGENT:
        return AgentSignals(politeness=scores[turn.text].row().politeness)
    if not turn.text.strip():  # nothing written (an attachment only, say): nothing to review
        return AgentSignals(politeness=0.0, review=None)
    # the reply heads read the vectors the batch already computed: nothing is encoded twice
    vectors = {
        t.text: v for t in (*before[-6:], turn) if (v := scores[t.text].embedding) is not None
    }
    return agent_signals(turn.text, before, done, now=turn.at, config=run.playbook, vectors=vectors)


@dataclass(slots=True)
class _Seen:
    """A conversation analysed before: its cleaned turns and their analyses, in order."""

    run: _Run
    turns: tuple[Turn, ...]
    truncated: tuple[bool, ...]
    done: list[TurnAnalysis]
    history: list[CustomerSignals]


_SEEN: OrderedDict[str, _Seen] = OrderedDict()
_SEEN_BY_TURNS: OrderedDict[tuple[Any, ...], _Seen] = OrderedDict()
_SEEN_LOCK = threading.Lock()


def _turns_key(run: _Run, turns: tuple[Turn, ...], truncated: tuple[bool, ...]) -> tuple[Any, ...]:
    """Turns under one run (models, limit, playbook: `_usable` checks they are the same)."""
    return (id(run.models), run.max_chars, id(run.playbook), turns, truncated)


def _usable(seen: _Seen | None, p: _Prepared, run: _Run) -> bool:
    if seen is None or not seen.run.same_as(run):
        return False
    n = len(seen.turns)
    return p.turns[:n] == seen.turns and p.truncated[:n] == seen.truncated


def _resume(p: _Prepared, run: _Run) -> tuple[list[TurnAnalysis], list[Any]]:
    """The analyses of turns already read when this conversation was last seen with these turns.

    A console re-sends a conversation with one more turn; only that turn needs reading. The same
    turns under another id (a thread analysed again elsewhere, a copy) are found by their content:
    the analysis of a turn depends only on the turns up to it.
    """
    with _SEEN_LOCK:
        seen = _SEEN.get(p.conversation.id)
        if not _usable(seen, p, run):
            n = len(p.turns)
            keys = (_turns_key(run, p.turns[:k], p.truncated[:k]) for k in (n, n - 1) if k > 0)
            seen = next((s for k in keys if _usable(s := _SEEN_BY_TURNS.get(k), p, run)), None)
    if seen is None:
        return [], []
    return list(seen.done), list(seen.history)


def _keep(table: OrderedDict[Any, _Seen], key: Any, seen: _Seen) -> None:
    table[key] = seen
    table.move_to_end(key)
    while len(table) > SEEN_CONVERSATIONS:
        table.popitem(last=False)


def _remember(p: _Prepared, run: _Run, done: list[Any], history: list[Any]) -> None:
    """Keep the analyses by id, by turns, and by the turns before the last: the same thread with
    another last turn (a draft being edited, the next message) reads only that turn."""
    seen = _Seen(run, p.turns, p.truncated, list(done), list(history))
    n = len(p.turns)
    before = None
    if n > 1:
        last_is_customer = p.turns[-1].role is Role.CUSTOMER
        earlier = history[:-1] if last_is_customer else list(history)
        before = _Seen(run, p.turns[:-1], p.truncated[:-1], done[:-1], earlier)
    with _SEEN_LOCK:
        _keep(_SEEN, p.conversation.id, seen)
        _keep(_SEEN_BY_TURNS, _turns_key(run, p.turns, p.truncated), seen)
        if before is not None:
            _keep(_SEEN_BY_TURNS, _turns_key(run, before.turns, before.truncated), before)


def _customer(p: _Prepared, i: int, scored: Scored, run: _Run, history: list[Any]) -> Any:
    turn = p.turns[i]
    first_at = next((t.at for t in p.turns if t.role is Role.CUSTOMER), None)
    ctx = TurnContext.build(
        turn.text,
        scored.row(),
        embedding=scored.embedding,
        encode=run.models.encode,
        history=tuple(history),
        at=turn.at,
        first_at=first_at,
        truncated=p.truncated[i],
    )
    return customer_signals(ctx)


def _read(p: _Prepared, scores: dict[str, Scored], run: _Run) -> ConversationAnalysis:
    done, history = _resume(p, run)
    for i in range(len(done), len(p.turns)):
        turn, scored = p.turns[i], scores[p.turns[i].text]
        signals: CustomerSignals | AgentSignals
        if turn.role is Role.CUSTOMER:
            signals = _customer(p, i, scored, run, history)
            history.append(signals)
        else:
            signals = _agent_signals(turn, p.turns[:i], done, scores, run)
            signals.truncated = p.truncated[i]
        done.append(TurnAnalysis(turn.role, signals))
    _remember(p, run, done, history)
    view = outlook(history)
    return ConversationAnalysis(
        p.conversation.id, done, view.trend, view.escalation_risk, view.reasons
    )


def _groups(items: Iterable[_Prepared], turns_per_group: int) -> Iterator[list[_Prepared]]:
    group: list[_Prepared] = []
    size = 0
    for item in items:
        group.append(item)
        size += len(item.turns)
        if size >= turns_per_group:
            yield group
            group, size = [], 0
    if group:
        yield group


def _read_group(group: list[_Prepared], run: _Run) -> list[ConversationAnalysis]:
    """One batch: every new text scored together, then each conversation read in context (with
    fewer garbage collections meanwhile: `analysis.gcscope`)."""
    turns = [t for p in group for t in p.turns]
    with fewer_collections():
        scores = run.models.score([t.text for t in turns], [t.role for t in turns])
        return [_read(item, scores, run) for item in group]


def analyze_group(
    conversations: Sequence[Conversation], max_chars: int, playbook: str | None
) -> list[ConversationAnalysis]:
    """One batch read with the default models (what the helper process runs for its caller)."""
    run = _Run(default_models(), max_chars, _playbook(playbook) if playbook else None)
    return _read_group([_prepare(c, max_chars) for c in conversations], run)


@dataclass(slots=True)
class _Slot:
    """A batch on its way: read here (`future` None) or by the helper process."""

    group: list[_Prepared]
    future: Future[list[ConversationAnalysis]] | None = None
    result: list[ConversationAnalysis] | None = None


_AHEAD = 8
"""Pieces of work read ahead of the one being yielded, when the helper process shares the work."""

_AHEAD_MOST = 32
"""Pieces read ahead at most: when the piece to yield next is the helper's and not back yet, and
nothing read ahead is left to read here, this process takes more input (up to this many pieces,
4,096 turns) rather than wait. A helper slowed by other work on the machine then costs nothing."""

SHARE_TURNS = 128
"""Turns in a piece of work shared with the helper process (an input of more than one batch is
cut into such pieces from its start): small pieces keep both processes busy to the end (with
whole 512-turn batches this process often waited for the helper's last batch with nothing left
to read)."""

_IN_FLIGHT = 2
"""Pieces the helper holds at a time: one it reads, one waiting in its pipe."""


def _pieces(groups: Iterator[list[_Prepared]], turns: int) -> Iterator[list[_Prepared]]:
    for group in groups:
        yield from _groups(group, turns)


def _from_helper(slot: _Slot, run: _Run) -> list[ConversationAnalysis]:
    """The helper's analyses of a batch (kept for re-sent conversations, as local ones are), or
    the batch read here when the helper failed: the results are the same either way."""
    if slot.future is None:
        return _read_group(slot.group, run)
    try:
        found = slot.future.result()
    except Exception:  # the helper stopped or could not read it
        return _read_group(slot.group, run)
    for p, analysis in zip(slot.group, found, strict=True):
        history = [t.signals for t in analysis.turns if t.role is Role.CUSTOMER]
        _remember(p, run, list(analysis.turns), history)
    return found


def _shared(
    groups: Iterator[list[_Prepared]], run: _Run, playbook: str | None, *, decide: bool = False
) -> Iterator[ConversationAnalysis]:
    """Batches split between this process and the helper, yielded in input order.

    Input of one batch is read here alone (a live turn never waits for a process to start). A
    longer input is cut into pieces of `SHARE_TURNS`, the first batch too, and the helper is
    started (once per process) unless it runs already; until it has loaded its models every piece
    is read here (the first batch's pieces too: a helper ready while this process reads the first
    batch, loading its own models meanwhile, is handed pieces of it at once rather than waiting
    for the whole batch), then it is given up to `_IN_FLIGHT` pieces at a time while this
    process reads the others. This process does not wait for the helper: while
    the next piece to yield is the helper's it reads the pieces ahead, taking more input (up to
    `_AHEAD_MOST` pieces) when none is left; at the end of the input it reads the helper's
    waiting pieces too, the newest first, and takes whichever answer is there first (the
    results are the same either way). With `decide`, whether to share at all is asked of
    `helper.processes` once the input is known to be longer than one batch (a short input, a live
    turn, never waits for it to measure the machine)."""
    from calmdesk.analysis import helper as helpers

    first = next(groups, None)
    second = next(groups, None) if first is not None else None
    if first is None or second is None:
        if first is not None:
            yield from _read_group(first, run)
        return
    if decide and helpers.processes(measure=True) < 2:
        for batch in itertools.chain([first, second], groups):
            yield from _read_group(batch, run)
        return
    worker = helpers.running() or helpers.helper()
    source = _pieces(itertools.chain([first, second], groups), SHARE_TURNS)
    queue: deque[_Slot] = deque()
    drained = False
    while True:
        while not drained and len(queue) < _AHEAD:
            group = next(source, None)
            if group is None:
                drained = True
                break
            queue.append(_Slot(group, _offer(worker, group, queue, run, playbook)))
        if not queue:
            return
        _top_up(worker, queue, run, playbook)
        head = queue[0]
        if head.result is None and head.future is not None and not head.future.done():
            local = next((s for s in queue if s.future is None and s.result is None), None)
            if local is None and not drained and len(queue) < _AHEAD_MOST:
                group = next(source, None)  # more input read ahead rather than waiting
                if group is None:
                    drained = True
                else:
                    queue.append(_Slot(group, _offer(worker, group, queue, run, playbook)))
                continue
            if local is None and drained:  # nothing else to read: the helper's last piece too
                local = next((s for s in reversed(queue) if _waiting(s)), None)
            if local is not None:
                local.result = _read_group(local.group, run)
                continue
        if head.result is None:
            head.result = _from_helper(head, run)
        queue.popleft()
        yield from head.result


def _top_up(worker: Any, queue: deque[_Slot], run: _Run, playbook: str | None) -> None:
    """Give the helper pieces read ahead here and not read yet, the last first, while it holds
    fewer than `_IN_FLIGHT`: a piece is otherwise offered only when it is read from the input,
    and with the queue full of this process's pieces the helper sat idle until this process had
    read them (a third of the helper's time in a 12,000-turn `calmdesk analyze`). The head is
    kept: it is the next to yield, and this process is about to read it."""
    for slot in reversed(queue):
        if slot is queue[0]:
            return
        if slot.future is None and slot.result is None:
            slot.future = _offer(worker, slot.group, queue, run, playbook)
            if slot.future is None:
                return


def _waiting(slot: _Slot) -> bool:
    return slot.result is None and slot.future is not None and not slot.future.done()


def _offer(
    worker: Any, group: list[_Prepared], queue: deque[_Slot], run: _Run, playbook: str | None
) -> Future[list[ConversationAnalysis]] | None:
    """The helper's answer to come for `group`, when the helper is ready and has room for it;
    None: this process reads it."""
    if worker is None or not worker.ready.done() or not worker.alive:
        return None
    if worker.ready.exception() is not None:
        return None
    if sum(1 for s in queue if _waiting(s)) >= _IN_FLIGHT:
        return None
    future: Future[list[ConversationAnalysis]] = worker.submit(
        [p.conversation for p in group], run.max_chars, playbook
    )
    return future


def analyze_many(
    conversations: Iterable[Conversation],
    config: Settings | None = None,
    *,
    models: Models | None = None,
    batch_turns: int = BATCH_TURNS,
    processes: int | None = None,
) -> Iterator[ConversationAnalysis]:
    """Analyse conversations lazily, in order, scoring texts in batches of about `batch_turns`.

    Memory stays bounded by the batch: pass a generator to stream any number of conversations.
    With the default models and more than one batch, a second process (started on first need and
    kept, see `analysis.helper`) reads some of the batches: `processes` 1 reads all of them here,
    None takes `CALMDESK_ANALYSIS_PROCESSES`, else 2 where a core is free (`helper.processes`,
    asked once the input is longer than one batch).
    The results are the same either way. Raises MalformedInput for an item that is not a
    Conversation of Turns.
    """
    run = _Run.of(models, config)
    prepared = (_prepare(c, run.max_chars) for c in conversations)
    groups = _groups(prepared, max(1, batch_turns))
    alone = processes is not None and processes < 2
    if alone or not is_default(run.models):  # other models cannot go to another process
        for group in groups:
            yield from _read_group(group, run)
        return
    path = config.playbook_path if config else None
    yield from _shared(groups, run, str(path) if path else None, decide=processes is None)


def analyze_conversation(
    conversation: Conversation, config: Settings | None = None, *, models: Models | None = None
) -> ConversationAnalysis:
    """Signals of every turn in context, and the conversation's trend, risk and reasons."""
    return next(analyze_many([conversation], config, models=models))


def analyze_text(
    text: str, config: Settings | None = None, *, models: Models | None = None
) -> ConversationAnalysis:
    """One customer message analysed alone (id "text"); its signals are `turns[0].signals`."""
    conversation = Conversation("text", (Turn(Role.CUSTOMER, text),))
    return analyze_conversation(conversation, config, models=models)
