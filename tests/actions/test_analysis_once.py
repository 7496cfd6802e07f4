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
