"""P15 test helpers: an outside mediator persona and a disputed conversation, built by actions.

Mo is a supervisor of the Billing team: neutral for the Orders team's conversations. Una is an
Orders supervisor whose authority limit (100) is too small for the disputed 480.00.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.factories import ADMIN, PASSWORD, World

from calmdesk.actions import add_customer_turn, create_user, send_agent_reply
from calmdesk.actions.cases import open_case, take_step
from calmdesk.actions.context import Actor
from calmdesk.storage import Conversation, User
from calmdesk.storage.cases import ResolutionCase, ResolutionStep

AMOUNT = 480.0


def mediator(world: World) -> User:
    """Mo, a Billing supervisor: outside the Orders team."""
    return create_user(world.ctx, ADMIN, username="mo", password=PASSWORD, role="supervisor",
                       display_name="Mo Neutral", team_id=world.other_team.id,
                       authority_limit=500)  # fmt: skip


def small_supervisor(world: World) -> User:
    """Una, an Orders supervisor whose authority does not cover the amount in dispute."""
    return create_user(world.ctx, ADMIN, username="una", password=PASSWORD, role="supervisor",
                       display_name="Una Small", team_id=world.team.id,
                       authority_limit=100)  # fmt: skip


def disputed(world: World) -> Conversation:
    """Gail's conversation about a refund she disputes, handled by Cal."""
    conv = world.open()
    gail = Actor.for_customer(world.angry_customer.id)
    add_customer_turn(world.ctx, gail, conv.id, "I want the full 480 back, this is unacceptable!")
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id,
                     "I'm sorry about the blender. I can offer a partial refund.")  # fmt: skip
    return conv


def open_on(world: World, conv: Conversation, track: str = "negotiation",
            who: User | None = None) -> ResolutionCase:  # fmt: skip
    actor = world.actor(who or (world.agent if track == "negotiation" else world.supervisor))
    return open_case(world.ctx, actor, conv.id, track, "Refund disputed", AMOUNT)


def step(world: World, user: User, case_id: int, name: str, **data: Any) -> ResolutionCase:
    return take_step(world.ctx, world.actor(user), case_id, name, data)


def steps_of(world: World, case_id: int) -> list[ResolutionStep]:
    with world.ctx.sessions() as session:
        query = select(ResolutionStep).where(ResolutionStep.case_id == case_id)
        return list(session.scalars(query.order_by(ResolutionStep.seq)))


def case_row(world: World, case_id: int) -> ResolutionCase:
    with world.ctx.sessions() as session:
        return session.get_one(ResolutionCase, case_id)
