"""The queue page read as columns (`queries.queue_summaries`, one statement with the SLA due
time joined) lists exactly what the conversations and their due times read apart did
(`queue_page` then `sla_dues`), for every caller, sort, order and filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from tests.web.conftest import Scene

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.storage.desk import ConversationSla
from calmdesk.storage.enums import Channel, ConversationStatus, Priority, UserRole
from calmdesk.web import queries
from calmdesk.web.deps import StaffPrincipal
from calmdesk.web.routes.api_reads import summaries_apart
from calmdesk.web.schemas import ConversationSummary


def _principal(scene: Scene, persona: str) -> StaffPrincipal:
    user = getattr(scene.world, persona)
    return StaffPrincipal(
        user.id, user.username, user.display_name, UserRole(user.role), user.team_id, "token"
    )


def _apart(scene: Scene, user: StaffPrincipal, f: queries.QueueFilters) -> tuple[list[str], int]:
    with scene.world.ctx.sessions() as session:
        items, total = summaries_apart(session, user, f)
    return [item.model_dump_json() for item in items], total


def _columns(scene: Scene, user: StaffPrincipal, f: queries.QueueFilters) -> tuple[list[str], int]:
    with scene.world.ctx.sessions() as session:
        rows, total = queries.queue_summaries(session, user, f)
        return [ConversationSummary.model_validate(r).model_dump_json() for r in rows], total


@pytest.fixture
def busy(scene: Scene) -> Scene:
    """More conversations, some with a pending SLA due time and some without."""
    world = scene.world
    for n, customer in enumerate([world.calm_customer, world.angry_customer] * 3):
        conv = world.open(customer)
        add_customer_turn(world.ctx, Actor.for_customer(customer.id), conv.id, f"Order {n}?")
        if n % 2:
            with world.ctx.sessions.begin() as session:
                session.execute(
                    update(ConversationSla)
                    .where(ConversationSla.conversation_id == conv.id)
                    .values(due_at=world.ctx.now() + timedelta(hours=n))
                )
    return scene


SORTS = [key for key in queries.SortKey if key is not queries.SortKey.SLA_DUE]


@pytest.mark.parametrize("persona", ["agent", "other_agent", "supervisor", "admin"])
def test_the_column_queue_lists_what_the_orm_queue_did(busy: Scene, persona: str) -> None:
    user = _principal(busy, persona)
    seen_due = False
    for sort in SORTS:
        for order in queries.SortOrder:
            for limit, offset in ((20, 0), (3, 2), (5, 100)):
                f = queries.QueueFilters(sort=sort, order=order, limit=limit, offset=offset)
                apart = _apart(busy, user, f)
                assert _columns(busy, user, f) == apart, (sort, order, limit, offset)
                seen_due = seen_due or any('"sla_due_at":"' in item for item in apart[0])
    if persona == "admin":
        assert seen_due  # the due times were compared, not only their absence


def test_the_column_queue_applies_the_filters_as_the_orm_queue_did(busy: Scene) -> None:
    world = busy.world
    user = _principal(busy, "supervisor")
    cases = [
        queries.QueueFilters(status=(ConversationStatus.OPEN,)),
        queries.QueueFilters(unassigned=True),
        queries.QueueFilters(assignee_id=world.agent.id),
        queries.QueueFilters(team_id=world.team.id, customer_id=world.angry_customer.id),
        queries.QueueFilters(customer_id=world.calm_customer.id, sort=queries.SortKey.PRIORITY),
        queries.QueueFilters(status=(ConversationStatus.OPEN, ConversationStatus.RESOLVED)),
        queries.QueueFilters(channel=Channel.CHAT, priority=Priority.NORMAL),
        queries.QueueFilters(channel=Channel.EMAIL),
        queries.QueueFilters(priority=Priority.URGENT, unassigned=True),
    ]
    for f in cases:
        assert _columns(busy, user, f) == _apart(busy, user, f), f


def test_the_column_queue_of_a_user_without_a_team_lists_only_their_own(busy: Scene) -> None:
    agent = _principal(busy, "agent")
    teamless = StaffPrincipal(agent.user_id, agent.username, agent.display_name, agent.role,
                              None, "token")  # fmt: skip
    f = queries.QueueFilters()
    assert _columns(busy, teamless, f) == _apart(busy, teamless, f)


def test_the_column_queue_builds_its_statements_once_per_shape(busy: Scene) -> None:
    """A second page of the same shape with other values builds no statement and lists what
    the ORM queue lists for those values."""
    world = busy.world
    supervisor, agent = _principal(busy, "supervisor"), _principal(busy, "other_agent")
    first = queries.QueueFilters(customer_id=world.calm_customer.id, limit=3)
    _columns(busy, supervisor, first)
    built = dict(queries._QUEUE_STATEMENTS)
    again = queries.QueueFilters(customer_id=world.angry_customer.id, limit=5, offset=1)
    assert _columns(busy, supervisor, again) == _apart(busy, supervisor, again)
    assert queries._QUEUE_STATEMENTS == built  # the same statement objects, nothing new
    other = queries.QueueFilters(customer_id=world.angry_customer.id)
    assert _columns(busy, agent, other) == _apart(busy, agent, other)  # another scope kind


def test_the_sla_due_order_is_left_to_the_orm_queue(busy: Scene) -> None:
    f = queries.QueueFilters(sort=queries.SortKey.SLA_DUE)
    with pytest.raises(ValueError):
        _columns(busy, _principal(busy, "admin"), f)
