"""The actions with calmdesk's real analysis (the trained heads), end to end."""

from __future__ import annotations

import pytest
from tests.factories import World

from calmdesk.actions import Actor, LibraryAnalyzer, add_customer_turn, send_agent_reply
from calmdesk.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def real(world: World) -> World:
    world.ctx.analyzer = LibraryAnalyzer(Settings())
    return world


def test_real_analysis_stores_signals_and_escalates_a_manager_request(real: World) -> None:
    conv = real.open(real.calm_customer)
    customer = Actor.for_customer(real.calm_customer.id)
    calm = add_customer_turn(real.ctx, customer, conv.id, "Hi, could you check my order status?")
    angry = add_customer_turn(
        real.ctx,
        customer,
        conv.id,
        "This is ridiculous, my order is two weeks late. Get me your manager right now!",
    )
    assert calm.turn.signals is not None and angry.turn.signals is not None
    assert "unavailable" not in angry.turn.signals
    assert angry.turn.signals["upset"] > calm.turn.signals["upset"]
    assert "manager_requested" in [f.rule for f in angry.firings]


def test_real_review_creates_the_promise_in_the_reply(real: World) -> None:
    conv = real.open(real.calm_customer)
    add_customer_turn(real.ctx, real.actor(real.agent), conv.id, "My parcel never arrived.")
    reply = send_agent_reply(
        real.ctx,
        real.actor(real.agent),
        conv.id,
        "I'm sorry your parcel hasn't arrived. I will send a replacement by Friday.",
    )
    assert reply.turn.review is not None and reply.turn.review["checks"]
    assert [c.due_at is not None for c in reply.commitments] == [True]
