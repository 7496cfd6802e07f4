"""P15 over the API: each workflow end to end with the named personas, and every coded refusal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.factories import ADMIN, FixedClock
from tests.p15_support import mediator, small_supervisor
from tests.web.conftest import Scene

from calmdesk.actions import create_api_token, fire_due_timers

V = "/api/v1"


def _bearer(scene: Scene, user: Any) -> dict[str, str]:
    token, _ = create_api_token(scene.world.ctx, ADMIN, user.id, f"{user.username} p15")
    return {"Authorization": f"Bearer {token}"}


def _open(client: TestClient, scene: Scene, persona: str, **body: Any) -> Any:
    return client.post(
        f"{V}/conversations/{scene.conv_a.id}/resolution", json=body, headers=scene.as_(persona)
    )


def _step(client: TestClient, headers: dict[str, str], case_id: int, **body: Any) -> Any:
    return client.post(f"{V}/resolution-cases/{case_id}/steps", json=body, headers=headers)


def _error(answer: Any) -> str:
    return str(answer.json()["error"]["code"])


def test_cases_api_negotiation_agreed(client: TestClient, scene: Scene) -> None:
    cal = scene.as_("agent")
    opened = _open(client, scene, "agent", track="negotiation", reason="Refund amount")
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["state"] == "negotiating" and "offer" in case["allowed_steps"]
    assert "escalate" not in case["allowed_steps"]  # agents do not move a case up
    offered = _step(client, cal, case["id"], step="offer", text="A refund of 20")
    offer_id = offered.json()["steps"][-1]["id"]
    answered = _step(client, cal, case["id"], step="answer", offer_id=offer_id, answer="accepted")
    assert answered.status_code == 201 and answered.json()["steps"][-1]["data"]["answer"] == (
        "accepted"
    )
    agreed = _step(client, cal, case["id"], step="agreed", text="20 refunded")
    assert agreed.json()["state"] == "resolved" and agreed.json()["allowed_steps"] == []
    again = _step(client, cal, case["id"], step="offer", text="More")
    assert again.status_code == 409 and _error(again) == "E830"


def test_cases_api_mediation_outside_mediator_proposal_accepted(
    client: TestClient, scene: Scene
) -> None:
    mo = mediator(scene.world)
    sam, mo_h = scene.as_("supervisor"), _bearer(scene, mo)
    case = _open(client, scene, "supervisor", track="mediation", reason="Stuck").json()
    same_team = _step(client, sam, case["id"], step="assign_mediator", user_id=scene.world.admin.id)
    assert same_team.status_code == 409 and _error(same_team) == "E832"
    assert client.get(f"{V}/resolution-cases/{case['id']}", headers=mo_h).status_code == 404
    assigned = _step(client, sam, case["id"], step="assign_mediator", user_id=mo.id)
    assert assigned.json()["mediator_id"] == mo.id
    seen = client.get(f"{V}/resolution-cases/{case['id']}", headers=mo_h).json()
    assert seen["allowed_steps"] == ["position", "proposal"]
    refused = _step(client, sam, case["id"], step="position", side="customer", text="Wants 480")
    assert refused.status_code == 403 and _error(refused) == "E831"
    early = _step(client, mo_h, case["id"], step="proposal", text="Refund 350")
    assert early.status_code == 409 and _error(early) == "E836"
    for side in ("customer", "company"):
        _step(client, mo_h, case["id"], step="position", side=side, text=f"The {side}'s view")
    assert _step(client, mo_h, case["id"], step="proposal", text="Refund 350").status_code == 201
    accepted = _step(client, mo_h, case["id"], step="accept", text="Yes by phone")
    assert accepted.json()["state"] == "resolved"


def test_cases_api_arbitration_decided_told_appealed_and_decided_again(
    client: TestClient, scene: Scene
) -> None:
    una = small_supervisor(scene.world)
    sam, ada, cal = scene.as_("supervisor"), scene.as_("admin"), scene.as_("agent")
    refused = _open(client, scene, "agent", track="arbitration", reason="Refund", amount=480)
    assert refused.status_code == 403 and _error(refused) == "E831"
    case = _open(client, scene, "supervisor", track="arbitration", reason="Refund", amount=480)
    case_id = case.json()["id"]
    weak = _step(client, _bearer(scene, una), case_id, step="decide", decision="No",
                 reasons="Because")  # fmt: skip
    assert weak.status_code == 403 and _error(weak) == "E833"
    decided = _step(client, sam, case_id, step="decide", decision="Refund 300",
                    reasons="The motor failed", appeal_days=10)  # fmt: skip
    assert decided.status_code == 201 and decided.json()["state"] == "decided"
    chat = client.get(f"{V}/conversations/{scene.conv_a.id}/chat", headers=scene.as_("customer_a"))
    last = chat.json()["turns"][-1]
    assert last["author_role"] == "system" and "Decision on your case: Refund 300" in last["text"]
    appealed = _step(client, cal, case_id, step="appeal", reason="New photos")
    assert appealed.json()["state"] == "appealed"
    same = _step(client, sam, case_id, step="decide", decision="Same", reasons="Same")
    assert same.status_code == 403 and _error(same) == "E835"
    final = _step(client, ada, case_id, step="decide", decision="Refund 480", reasons="Photos")
    assert (
        final.json()["state"] == "final" and final.json()["decided_by_id"] == scene.world.admin.id
    )


def test_cases_api_appeal_after_the_window_is_refused_and_the_timer_makes_it_final(
    app: FastAPI, client: TestClient, scene: Scene
) -> None:
    clock = FixedClock(scene.world.ctx.now())
    app.state.actions.clock = clock
    sam = scene.as_("supervisor")
    case_id = _open(client, scene, "supervisor", track="arbitration", reason="x").json()["id"]
    _step(client, sam, case_id, step="decide", decision="No refund", reasons="Used", appeal_days=3)
    clock.now += timedelta(days=3, minutes=1)
    late = _step(client, scene.as_("agent"), case_id, step="appeal", reason="Late")
    assert late.status_code == 409 and _error(late) == "E834"
    assert fire_due_timers(app.state.actions) >= 1  # with the scene's promise reminders
    case = client.get(f"{V}/resolution-cases/{case_id}", headers=sam).json()
    assert case["state"] == "final"
    assert case["steps"][-1]["data"]["note"] == "appeal window closed: decision final"


def test_cases_api_bad_bodies_are_refused_with_codes(client: TestClient, scene: Scene) -> None:
    cal = scene.as_("agent")
    bad_track = _open(client, scene, "agent", track="court", reason="x")
    assert bad_track.status_code == 422 and _error(bad_track) == "E103"
    case_id = _open(client, scene, "agent", track="negotiation", reason="x").json()["id"]
    twice = _open(client, scene, "agent", track="negotiation", reason="x")
    assert twice.status_code == 409 and _error(twice) == "E837"
    bad: list[dict[str, Any]] = [
        {"step": "bribe"},
        {"step": "offer"},
        {"step": "offer", "text": ""},
        {"step": "offer", "text": "x", "extra": 1},
        {"step": "offer", "text": 5},
        {"step": "decide", "decision": "x", "reasons": "y", "appeal_days": 0},
    ]
    for body in bad:
        answer = _step(client, cal, case_id, **body)
        assert answer.status_code == 422, body
    missing = _step(client, cal, case_id, step="answer", offer_id=99999, answer="accepted")
    assert missing.status_code == 404 and _error(missing) == "E839"
    hidden = client.get(f"{V}/resolution-cases/{case_id}", headers=scene.as_("other_agent"))
    assert hidden.status_code == 404
    assert client.get(f"{V}/resolution-cases/999999", headers=cal).status_code == 404


def test_cases_api_export_contains_the_case(client: TestClient, scene: Scene) -> None:
    cal = scene.as_("agent")
    case_id = _open(client, scene, "agent", track="negotiation", reason="Refund").json()["id"]
    _step(client, cal, case_id, step="offer", text="<i>A refund</i> of 20")
    base = f"{V}/conversations/{scene.conv_a.id}"
    [case] = client.get(f"{base}/export.json", headers=cal).json()["resolution_cases"]
    assert case["id"] == case_id and [s["step"] for s in case["steps"]] == ["open", "offer"]
    assert [a["action"] for a in case["audit"]][-1] == "resolution_case.offer"
    html = client.get(f"{base}/export.html", headers=cal).text
    assert f"Resolution case {case_id}" in html and "&lt;i&gt;A refund&lt;/i&gt;" in html
