"""Web fixtures: an app per test over `db_url`, the `world` personas, and who sends what header.

`scene` adds, through the real actions, what the API tests need: customer A's conversation (the
calm customer: a turn, a reply with a promise, a follow-up) assigned to the calm agent by that
reply, customer B's conversation (the angry customer, unassigned), an API token per staff member
and a chat token per customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.factories import ADMIN, PASSWORD, CueAnalyzer, World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    create_api_token,
    create_user,
    schedule_follow_up,
    send_agent_reply,
)
from calmdesk.config import Settings
from calmdesk.storage import Conversation, User
from calmdesk.web import create_app
from calmdesk.web.auth import issue_chat_token
from calmdesk.web.turn_feed import drain_turn_feed

PERSONAS = (
    "anonymous", "customer_a", "customer_b", "other_agent", "agent", "supervisor", "admin",
    "qa_analyst",
)  # fmt: skip
SECRET = "web-tests-secret-key-not-for-production"


@dataclass
class Scene:
    """The records and credentials the API tests act on."""

    world: World
    conv_a: Conversation
    conv_b: Conversation
    commitment_id: int
    follow_up_id: int
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_(self, persona: str) -> dict[str, str]:
        if persona == "qa_analyst" and persona not in self.headers:
            # made on first use, so the other tests' team (its users, tokens) stays as it was
            self.headers[persona] = _token(self.world, qa_analyst(self.world))
        return dict(self.headers[persona])


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key=SECRET, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def app(settings: Settings, world: World) -> Iterator[FastAPI]:
    application = create_app(settings, analyzer=CueAnalyzer())
    yield application
    drain_turn_feed()
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _token(world: World, user: User) -> dict[str, str]:
    token, _ = create_api_token(world.ctx, ADMIN, user.id, f"{user.username} tests")
    return {"Authorization": f"Bearer {token}"}


def _chat(settings: Settings, conv: Conversation) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_chat_token(settings, conv.id, conv.customer_id)}"}


def qa_analyst(world: World) -> User:
    """Quinn, a QA analyst of the agent's team (scores conversations, never works them)."""
    return create_user(
        world.ctx, ADMIN, username="quinn", password=PASSWORD, role="qa_analyst",
        display_name="Quinn", team_id=world.team.id,
    )  # fmt: skip


@pytest.fixture
def scene(world: World, settings: Settings) -> Scene:
    conv_a = world.open(world.calm_customer)
    customer = Actor.for_customer(world.calm_customer.id)
    add_customer_turn(world.ctx, customer, conv_a.id, "Where is my order? It is late.")
    reply = send_agent_reply(
        world.ctx,
        world.actor(world.agent),
        conv_a.id,
        "I'm sorry the order is late. I will send you the tracking number by tomorrow 5pm.",
    )
    due = world.ctx.now() + timedelta(days=3)
    follow_up = schedule_follow_up(world.ctx, world.actor(world.agent), conv_a.id, due)
    conv_b = world.open(world.angry_customer)
    scene = Scene(world, conv_a, conv_b, reply.commitments[0].id, follow_up.id)
    scene.headers = {
        "anonymous": {},
        "customer_a": _chat(settings, conv_a),
        "customer_b": _chat(settings, conv_b),
        "other_agent": _token(world, world.other_agent),
        "agent": _token(world, world.agent),
        "supervisor": _token(world, world.supervisor),
        "admin": _token(world, world.admin),
    }
    return scene
