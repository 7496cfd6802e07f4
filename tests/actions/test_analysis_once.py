"""Nothing is analysed twice: the review of a reply reuses the analysis of the customer's turn."""

from __future__ import annotations

import pytest
from tests.factories import World, cue_signals

from calmdesk.actions import Actor, LibraryAnalyzer, add_customer_turn, send_agent_reply
from calmdesk.domain import ConversationAnalysis, Role, Trend, TurnAnalysis


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
