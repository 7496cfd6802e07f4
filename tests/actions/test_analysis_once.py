"""Nothing is analysed twice: the review of a reply reuses the analysis of the customer's turn."""

from __future__ import annotations

import pytest
from tests.factories import World, cue_signals

from calmdesk.actions import Actor, LibraryAnalyzer, add_customer_turn, send_agent_reply
from calmdesk.domain import ConversationAnalysis, Role, Trend, TurnAnalysis, to_jsonable


def test_a_reply_does_not_analyse_the_conversation_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counting(conversation, settings):  # type: ignore[no-untyped-def]
        calls.append(len(conversation.turns))
        turns = [
            TurnAnalysis(t.role, cue_signals(t.text) if t.role is Role.CUSTOMER else None)
            for t in conversation.turns
        ]
        return ConversationAnalysis(conversation.id, turns, Trend.STEADY, 0.2, [])

    monkeypatch.setattr("calmdesk.analysis.pipeline.analyze_conversation", counting)
    world.ctx.analyzer = LibraryAnalyzer(world.ctx.settings)
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "Order late")
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id, "I'm sorry, I will check today.")
    assert calls == [1]  # the customer's turn; the reply's review reused it
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "Thanks")
    assert calls == [1, 3]  # a new turn is a new conversation state: analysed once


def test_a_customer_turn_is_analysed_outside_the_write_transaction(world: World) -> None:
    """The analysis is the slow part of a post; holding the write lock (SQLite) or the
    conversation's row lock (PostgreSQL) during it made concurrent posts queue and time out."""
    from sqlalchemy import select

    from calmdesk.storage import Conversation

    inner = world.ctx.analysis
    free: list[bool] = []

    class LockProbe:
        def analyze(self, conversation):  # type: ignore[no-untyped-def]
            with world.ctx.sessions.begin() as session:  # BEGIN IMMEDIATE on SQLite
                stmt = select(Conversation.id).where(Conversation.id == int(conversation.id))
                session.execute(stmt.with_for_update(nowait=True))  # PostgreSQL: fails if held
            free.append(True)
            return inner.analyze(conversation)

        def review(self, conversation, draft, now):  # type: ignore[no-untyped-def]
            return inner.review(conversation, draft, now)

    conv = world.open(world.calm_customer)
    world.ctx.analyzer = LockProbe()
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "Late again")
    assert free == [True]


class _LockProbe:
    """An analyzer that fails the test's bookkeeping if called inside a write transaction."""

    def __init__(self, world: World, inner: object, on_first: object = None) -> None:
        self.world, self.inner, self.on_first = world, inner, on_first
        self.free: list[str] = []

    def _check_free(self, conversation_id: str, what: str) -> None:
        from sqlalchemy import select

        from calmdesk.storage import Conversation

        with self.world.ctx.sessions.begin() as session:  # BEGIN IMMEDIATE on SQLite
            stmt = select(Conversation.id).where(Conversation.id == int(conversation_id))
            session.execute(stmt.with_for_update(nowait=True))  # PostgreSQL: fails if held
        self.free.append(what)
        if self.on_first is not None:
            hook, self.on_first = self.on_first, None
            hook()  # type: ignore[operator]

    def analyze(self, conversation):  # type: ignore[no-untyped-def]
        self._check_free(conversation.id, f"analyze:{len(conversation.turns)}")
        return self.inner.analyze(conversation)  # type: ignore[attr-defined]

    def review(self, conversation, draft, now):  # type: ignore[no-untyped-def]
        self._check_free(conversation.id, f"review:{len(conversation.turns)}")
        return self.inner.review(conversation, draft, now)  # type: ignore[attr-defined]


def test_an_agent_reply_is_reviewed_outside_the_write_transaction(world: World) -> None:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, "Late again")
    probe = _LockProbe(world, world.ctx.analysis)
    world.ctx.analyzer = probe
    posted = send_agent_reply(
        world.ctx, world.actor(world.agent), conv.id, "I'm sorry, I will check today."
    )
    assert probe.free == ["review:1"]
    assert posted.turn.review is not None and posted.turn.review["commitments"]


def test_a_turn_stored_meanwhile_means_analysing_again_outside_not_inside(world: World) -> None:
    """Another post lands between the analysis and the write transaction: the stale analysis
    is dropped and the conversation analysed again, still outside the transaction."""
    from tests.factories import CueAnalyzer

    from calmdesk.actions import ActionContext

    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    other = ActionContext(world.ctx.sessions, world.ctx.settings, analyzer=CueAnalyzer())

    def meanwhile() -> None:
        add_customer_turn(other, customer, conv.id, "Hello? Anyone?")

    probe = _LockProbe(world, world.ctx.analysis, on_first=meanwhile)
    world.ctx.analyzer = probe
    posted = add_customer_turn(world.ctx, customer, conv.id, "This is a disgrace!")
    assert probe.free == ["analyze:1", "analyze:2"]  # again, on the two stored turns plus it
    assert posted.turn.seq == 2
    assert posted.turn.signals == to_jsonable(cue_signals("This is a disgrace!"))


def test_a_reply_raced_by_a_customer_turn_is_reviewed_again_on_what_is_stored(
    world: World,
) -> None:
    from tests.factories import CueAnalyzer

    from calmdesk.actions import ActionContext

    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    add_customer_turn(world.ctx, customer, conv.id, "Where is my order?")
    other = ActionContext(world.ctx.sessions, world.ctx.settings, analyzer=CueAnalyzer())

    def meanwhile() -> None:
        add_customer_turn(other, customer, conv.id, "Also, I was charged twice.")

    probe = _LockProbe(world, world.ctx.analysis, on_first=meanwhile)
    world.ctx.analyzer = probe
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id, "Sorry, checking now.")
    assert probe.free == ["review:1", "review:2"]  # the review saw the turn stored meanwhile
