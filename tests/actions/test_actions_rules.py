from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.factories import World

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    evaluate,
    load_rules,
    parse_rules,
    send_agent_reply,
    warn_customer,
)
from calmdesk.domain import ConfigError
from calmdesk.storage import Conversation, ConversationStatus, Escalation, RuleFiring

DEFAULT_RULES = [
    "high_escalation_risk",
    "abuse_after_warning",
    "manager_requested",
    "legal_threat",
    "unresolved_after_turns",
    "promise_beyond_authority",
    "upset_high_tier",
]


def test_default_rules_match_the_checked_in_list() -> None:
    assert [r.name for r in load_rules().rules] == DEFAULT_RULES


def _firings(world: World, conv_id: int) -> list[RuleFiring]:
    with world.ctx.sessions() as session:
        query = select(RuleFiring).where(RuleFiring.conversation_id == conv_id)
        return list(session.scalars(query.order_by(RuleFiring.id)))


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I want to speak to your manager about this.", "manager_requested"),
        ("Fix it or my lawyer will hear about it.", "legal_threat"),
    ],
)
def test_customer_turn_rule_escalates_to_the_team_supervisor(
    world: World, text: str, rule: str
) -> None:
    conv = world.open(world.calm_customer)
    posted = add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, text)
    assert [f.rule for f in posted.firings] == [rule]
    with world.ctx.sessions() as session:
        stored = session.get_one(Conversation, conv.id)
        escalation = session.scalars(select(Escalation)).one()
    assert stored.status is ConversationStatus.ESCALATED
    assert stored.assignee_id == world.supervisor.id == escalation.to_user_id
    assert escalation.rule == rule and "Carl Calm" in escalation.summary
    assert escalation.summary.startswith("Why: ")


def test_abuse_escalates_only_after_a_warning(world: World) -> None:
    customer = Actor.for_customer(world.calm_customer.id)
    first = world.open(world.calm_customer)
    assert not add_customer_turn(world.ctx, customer, first.id, "you useless idiots").firings
    warn_customer(world.ctx, world.actor(world.agent), world.calm_customer.id, "insults")
    second = world.open(world.calm_customer)
    posted = add_customer_turn(world.ctx, customer, second.id, "you useless idiots")
    assert [f.rule for f in posted.firings] == ["abuse_after_warning"]


def test_high_tier_upset_customer_is_escalated(world: World) -> None:
    conv = world.open(world.angry_customer)
    posted = add_customer_turn(
        world.ctx, world.actor(world.agent), conv.id, "Late again, this is ridiculous!!"
    )
    assert "upset_high_tier" in [f.rule for f in posted.firings]


def test_unresolved_after_six_customer_turns_goes_to_the_team(world: World) -> None:
    conv = world.open(world.calm_customer)
    fired = [
        add_customer_turn(world.ctx, world.actor(world.agent), conv.id, f"question {n}").firings
        for n in range(6)
    ]
    assert [len(f) for f in fired] == [0, 0, 0, 0, 0, 1]
    assert fired[-1][0].rule == "unresolved_after_turns"


@pytest.mark.parametrize(
    ("reply", "fires"),
    [
        ("I'm sorry. I will refund you $500 by Friday.", True),
        ("I'm sorry. I will refund you $20 by Friday.", False),
    ],
)
def test_promise_beyond_agent_authority_escalates(world: World, reply: str, fires: bool) -> None:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "My order never came.")
    posted = send_agent_reply(world.ctx, world.actor(world.agent), conv.id, reply)
    assert ("promise_beyond_authority" in [f.rule for f in posted.firings]) is fires


def test_a_rule_fires_once_per_conversation(world: World) -> None:
    conv = world.open(world.calm_customer)
    for _ in range(2):
        add_customer_turn(world.ctx, world.actor(world.agent), conv.id, "Get me a manager.")
    assert [f.rule for f in _firings(world, conv.id)] == ["manager_requested"]


@pytest.mark.parametrize(
    "text",
    [
        "rules: [",
        "just a string",
        "rules:\n  - name: x\n",
        "rules:\n  - {name: Bad-Name, event: customer_turn, when: 'risk > 1'}",
        "rules:\n  - {name: x, event: on_sunday, when: 'risk > 1'}",
        "rules:\n  - {name: x, event: customer_turn, when: 'risk >'}",
        "rules:\n  - {name: x, event: customer_turn, when: 'risk > 1', escalate_to: ceo}",
        "rules:\n  - {name: x, event: customer_turn, when: 'risk > 1', priority: meh}",
        "rules:\n  - {name: x, event: customer_turn, when: 'risk > 1'}\n"
        "  - {name: x, event: agent_reply, when: 'risk > 1'}",
    ],
)
def test_parse_rules_refuses_bad_files_with_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_rules(text)


@pytest.mark.parametrize(
    "when",
    ["risk.__class__.__mro__", "__import__('os').system('true')", "open('/etc/passwd')"],
)
def test_rule_conditions_cannot_reach_python_internals(when: str) -> None:
    rules = parse_rules(f'rules:\n  - {{name: x, event: customer_turn, when: "{when}"}}')
    with pytest.raises(ConfigError):
        evaluate(rules, "customer_turn", {"risk": 0.5})


def test_rule_reason_fills_in_facts() -> None:
    rules = parse_rules(
        "rules:\n  - {name: x, event: customer_turn, when: 'risk >= 0.5', reason: 'risk {risk}'}"
    )
    fired = evaluate(rules, "customer_turn", {"risk": 0.8123})
    assert [f.reason for f in fired] == ["risk 0.81"]
