"""Escalation rules and playbook settings changed by an admin (console and API): a broken text is
refused beside its form with the reason and nothing is stored; a saved one is audited and applies
to the next message or reply of that team, without a restart; reset goes back to the file."""

from __future__ import annotations

from sqlalchemy import select
from tests.web.console_support import login, parse

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    create_api_token,
    open_conversation,
    send_agent_reply,
)
from calmdesk.storage import AuditEntry, RuleFiring, Turn

RULE = """rules:
  - name: refund_word
    event: customer_turn
    when: "customer_turns >= 1"
    reason: "The customer wrote ({customer_turns} messages)."
    escalate_to: none
    priority: urgent
"""


def _firings(world, conversation_id: int) -> list[str]:
    with world.ctx.sessions() as session:
        query = select(RuleFiring.rule).where(RuleFiring.conversation_id == conversation_id)
        return list(session.scalars(query))


def _audit(world, action: str) -> list[AuditEntry]:
    with world.ctx.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_desk_overrides_rules_refused_beside_the_form_then_saved_for_one_team(
    client, world
) -> None:
    login(client, "cal")
    assert client.get("/console/settings/escalation-rules").status_code == 403
    client.cookies.clear()
    csrf = login(client, "ada")
    page = parse(client.get("/console/settings/escalation-rules").text)
    assert "the file" in page.by_id("source").text
    assert page.by_id("rules").find("tr", **{"data-rule": "high_escalation_risk"})
    broken = RULE.replace('"customer_turns >= 1"', '"customer_turns >= "')
    team = str(world.team.id)
    refused = client.post("/console/settings/escalation-rules",
                          data={"csrf_token": csrf, "team_id": team, "text": broken})  # fmt: skip
    assert refused.status_code == 400
    page = parse(refused.text)
    form = page.by_id("rules-form")
    assert "bad condition" in form.find("p", role="alert").text  # beside the form, says why
    assert form.find("textarea", name="text").text == broken  # what was typed is kept
    assert not _audit(world, "desk_override.escalation_rules_saved")
    saved = client.post("/console/settings/escalation-rules",
                        data={"csrf_token": csrf, "team_id": team, "text": RULE})  # fmt: skip
    page = parse(saved.text)
    assert "saved for this team" in page.by_id("source").text
    assert [r.attrs["data-rule"] for r in page.by_id("rules").find_all("tr")
            if "data-rule" in r.attrs] == ["refund_word"]  # fmt: skip
    (entry,) = _audit(world, "desk_override.escalation_rules_saved")
    assert entry.before is None and entry.after["text"] == RULE
    # the next message of that team's case fires it; another team's case still has the file
    mine = world.open(world.calm_customer)
    theirs = open_conversation(world.ctx, world.actor(world.admin),
                               customer_id=world.calm_customer.id, channel="chat",
                               team_id=world.other_team.id)  # fmt: skip
    for conv in (mine, theirs):
        add_customer_turn(world.ctx, Actor.for_customer(conv.customer_id), conv.id, "Hello?")
    assert _firings(world, mine.id) == ["refund_word"]
    assert "refund_word" not in _firings(world, theirs.id)
    reset = client.post("/console/settings/escalation-rules/reset",
                        data={"csrf_token": csrf, "team_id": team})  # fmt: skip
    assert "the file" in parse(reset.text).by_id("source").text
    assert _audit(world, "desk_override.escalation_rules_reset")


def test_desk_overrides_playbook_authority_limit_applies_to_the_next_reply(client, world) -> None:
    csrf = login(client, "ada")
    page = parse(client.get("/console/settings/playbook").text)
    form = page.by_id("playbook-form")
    assert form.find("input", name="max_refund").attrs["value"] == "100"
    fields = {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")
              if i.attrs.get("type") != "checkbox"}  # fmt: skip
    fields |= {i.attrs["name"]: "1" for i in form.find_all("input", type="checkbox")
               if "checked" in i.attrs}  # fmt: skip
    fields |= {t.attrs["name"]: t.text for t in form.find_all("textarea")}
    fields["csrf_token"] = csrf
    bad = client.post("/console/settings/playbook", data=fields | {"weight_empathises": "lots"})
    assert bad.status_code == 400
    form = parse(bad.text).by_id("playbook-form")
    assert "weight of empathises must be a number" in form.find("p", role="alert").text
    assert form.find("input", name="weight_empathises").attrs["value"] == "lots"  # kept
    conv = world.open(world.angry_customer)
    gail = Actor.for_customer(conv.customer_id)
    add_customer_turn(world.ctx, gail, conv.id, "I want my money back for the broken blender.")
    reply = "I'm sorry about the blender. I will refund $50 to your card today."
    first = send_agent_reply(world.ctx, world.actor(world.agent), conv.id, reply)
    saved = client.post("/console/settings/playbook", data=fields | {"max_refund": "20"})
    assert saved.status_code == 200
    assert parse(saved.text).by_id("playbook-form").find(
        "input", name="max_refund").attrs["value"] == "20"  # fmt: skip
    second = send_agent_reply(world.ctx, world.actor(world.agent), conv.id, reply)
    with world.ctx.sessions() as session:
        reviews = {t.id: t.review for t in session.scalars(select(Turn)) if t.review}
    failed = [
        [c["name"] for c in reviews[p.turn.id]["checks"] if c.get("status") == "fail"]
        for p in (first, second)
    ]
    assert "no_overpromise" not in failed[0] and "no_overpromise" in failed[1]
    assert _audit(world, "desk_override.playbook_saved")


def test_desk_overrides_api_get_put_delete(client, world) -> None:
    from tests.factories import ADMIN

    tokens = {}
    for user in (world.admin, world.supervisor, world.agent):
        token, _ = create_api_token(world.ctx, ADMIN, user.id, f"{user.username} overrides")
        tokens[user.username] = {"Authorization": f"Bearer {token}"}
    url = "/api/v1/settings/escalation-rules"
    assert client.get(url, headers=tokens[world.agent.username]).status_code == 403
    got = client.get(url, headers=tokens[world.supervisor.username]).json()
    assert got["source"] == "file" and "high_escalation_risk" in got["text"]
    admin = tokens[world.admin.username]
    body = {"text": "rules: [{name: x, event: nope, when: 'risk > 1'}]", "team_id": world.team.id}
    refused = client.put(url, json=body, headers=admin)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "E890"
    assert "`event` must be one of" in refused.json()["error"]["message"]
    assert client.put(url, json={"text": RULE}, headers=tokens[world.supervisor.username]
                      ).status_code == 403  # fmt: skip
    saved = client.put(url, json={"text": RULE, "team_id": world.team.id}, headers=admin).json()
    assert (saved["source"], saved["revision"]) == ("team", 1)
    desk = client.get(url, headers=admin).json()
    assert desk["source"] == "file"  # the team's rules are the team's only
    playbook = client.put("/api/v1/settings/playbook", json={"text": "checks: {nope: {}}"},
                          headers=admin)  # fmt: skip
    assert playbook.status_code == 400 and "nope" in playbook.json()["error"]["message"]
    gone = client.delete(url, params={"team_id": world.team.id}, headers=admin)
    assert gone.status_code == 204
    assert client.delete(url, params={"team_id": world.team.id}, headers=admin).status_code == 404
    for hostile in ("\x00rules: []", "", "x" * 600_000, "rules: 3", "- [unclosed"):
        answer = client.put(url, json={"text": hostile}, headers=admin)
        assert answer.status_code in (400, 422), hostile[:20]
    assert client.get(url, headers=admin).json()["source"] == "file"  # nothing stored
