"""Desk fixtures: more staff for the Orders team, made through the real actions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tests.factories import ADMIN, PASSWORD, World

from calmdesk.actions import create_user
from calmdesk.actions.assignment import set_presence
from calmdesk.storage import User


@dataclass
class Desk:
    world: World
    dee: User  # a second agent of Orders
    eve: User  # a third agent of Orders
    sue: User  # a second supervisor of Orders
    rex: User  # the supervisor of Billing

    def online(self, *users: User) -> None:
        for user in users:
            set_presence(self.world.ctx, self.world.actor(user), user.id, "online")


@pytest.fixture
def desk(world: World) -> Desk:
    def user(name: str, role: str, team_id: int) -> User:
        return create_user(
            world.ctx, ADMIN, username=name, password=PASSWORD, role=role,
            display_name=name.title(), team_id=team_id,
        )  # fmt: skip

    return Desk(
        world,
        dee=user("dee", "agent", world.team.id),
        eve=user("eve", "agent", world.team.id),
        sue=user("sue", "supervisor", world.team.id),
        rex=user("rex", "supervisor", world.other_team.id),
    )
