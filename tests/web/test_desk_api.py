"""The desk's API end to end, on SQLite and PostgreSQL: SLA sort, search, assignment refusals,
and read access for the agent a case was escalated away from."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.conftest import Scene

V = "/api/v1"


def test_desk_api_sla_due_sort_is_nearest_first_with_due_times(
    client: TestClient, scene: Scene
) -> None:
    email = scene.world.open(scene.world.calm_customer, channel="email")  # 240 working minutes
    body = client.get(f"{V}/conversations?sort=sla_due", headers=scene.as_("admin")).json()
    dues = [item["sla_due_at"] for item in body["items"]]
    assert all("sla_due_at" in item for item in body["items"])
    assert len(dues) == 3 and None not in dues
    assert dues == sorted(dues)
    # B owes a first chat reply by 09:05, the email by 13:00, A (answered) its resolution by 17:00
    assert [i["id"] for i in body["items"]] == [scene.conv_b.id, email.id, scene.conv_a.id]
    later_first = client.get(
        f"{V}/conversations?sort=sla_due&order=desc", headers=scene.as_("admin")
    )
    assert later_first.json()["items"][0]["id"] == scene.conv_a.id


def test_desk_api_search_finds_words_prefixes_and_customers(
    client: TestClient, scene: Scene
) -> None:
    hits = client.get(f"{V}/search", params={"q": "late order"}, headers=scene.as_("agent")).json()
    assert set(hits) == {"items"}
    assert [(h["kind"], h["id"]) for h in hits["items"]] == [("conversation", scene.conv_a.id)]
    assert "late" in hits["items"][0]["snippet"].lower()
    prefix = client.get(f"{V}/search", params={"q": "ord"}, headers=scene.as_("agent")).json()
    assert scene.conv_a.id in [h["id"] for h in prefix["items"] if h["kind"] == "conversation"]
    people = client.get(f"{V}/search", params={"q": "carl"}, headers=scene.as_("admin")).json()
    assert ("customer", scene.conv_a.customer_id) in [(h["kind"], h["id"]) for h in people["items"]]


def test_desk_api_search_stays_within_what_you_may_see(client: TestClient, scene: Scene) -> None:
    other = client.get(f"{V}/search", params={"q": "late"}, headers=scene.as_("other_agent"))
    assert other.status_code == 200 and other.json() == {"items": []}


def test_desk_api_search_refuses_an_empty_query_and_survives_hostile_text(
    client: TestClient, scene: Scene
) -> None:
    empty = client.get(f"{V}/search", params={"q": "  ?!  "}, headers=scene.as_("agent"))
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "E806"
    for q in ['" OR 1=1 --', "late* NEAR(", "'); DROP TABLE turns; --", "日本語 ü"]:
        answer = client.get(f"{V}/search", params={"q": q}, headers=scene.as_("agent"))
        assert answer.status_code == 200, q


def test_desk_api_tags_filter_search(client: TestClient, scene: Scene) -> None:
    url = f"{V}/conversations/{scene.conv_b.id}/tags"
    assert client.post(url, json={"tag": "Refund"}, headers=scene.as_("agent")).json()["tags"] == [
        "refund"
    ]
    bad = client.post(url, json={"tag": "<b>x</b>"}, headers=scene.as_("agent"))
    assert bad.status_code == 422
    found = client.get(f"{V}/search", params={"tag": "refund"}, headers=scene.as_("agent"))
    assert [h["id"] for h in found.json()["items"]] == [scene.conv_b.id]


def test_desk_api_agents_cannot_assign_others(client: TestClient, scene: Scene) -> None:
    url = f"{V}/conversations/{scene.conv_b.id}/assign"
    refused = client.post(
        url, json={"user_id": scene.world.supervisor.id}, headers=scene.as_("agent")
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "E802"
    both = client.post(url, json={"user_id": 1, "team_id": 1}, headers=scene.as_("supervisor"))
    assert both.status_code == 422


def test_desk_api_escalated_away_agent_reads_but_cannot_reply(
    client: TestClient, scene: Scene
) -> None:
    conv = scene.conv_a.id
    escalated = client.post(
        f"{V}/conversations/{conv}/escalate", json={"reason": "Refund above my limit"},
        headers=scene.as_("agent"),
    )  # fmt: skip
    assert escalated.json()["to_user_id"] == scene.world.supervisor.id
    read = client.get(f"{V}/conversations/{conv}", headers=scene.as_("agent"))
    assert read.status_code == 200
    sent = client.post(
        f"{V}/conversations/{conv}/replies", json={"text": "One more thing"},
        headers=scene.as_("agent"),
    )  # fmt: skip
    error = sent.json()["error"]
    assert sent.status_code == 403 and error["code"] == "E801"
    assert "Sam has this case now" in error["message"]
    assert "Refund above my limit" in error["message"]
    turns = client.get(f"{V}/conversations/{conv}", headers=scene.as_("agent")).json()["turns"]
    assert "One more thing" not in [t["text"] for t in turns]
    # someone who never held it still gets "not found"
    assert (
        client.get(f"{V}/conversations/{conv}", headers=scene.as_("other_agent")).status_code == 404
    )


def test_desk_api_admin_settings_are_validated_and_used(client: TestClient, scene: Scene) -> None:
    url = f"{V}/teams/{scene.world.team.id}/settings"
    body = {"routing_mode": "least_open", "capacity": 4, "timezone": "Mars/Olympus",
            "business_hours": {"mon": ["09:00", "17:00"]}}  # fmt: skip
    broken = client.put(url, json=body, headers=scene.as_("admin"))
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "E805"
    assert "Mars/Olympus" in broken.json()["error"]["message"]
    backwards = body | {"timezone": "UTC", "business_hours": {"mon": ["17:00", "09:00"]}}
    assert (
        "closes before it opens" in client.put(url, json=backwards, headers=scene.as_("admin")).text
    )
    ok = body | {"timezone": "America/New_York", "business_hours": {"mon": ["09:00", "17:00"]}}
    assert client.put(url, json=ok, headers=scene.as_("admin")).status_code == 200
    bad_policy = {"name": "x", "first_response_minutes": 5, "next_response_minutes": 5,
                  "resolution_minutes": 5, "team_id": 999_999}  # fmt: skip
    refused = client.post(f"{V}/sla-policies", json=bad_policy, headers=scene.as_("admin"))
    assert refused.status_code == 400 and "no team" in refused.json()["error"]["message"]
    policy = bad_policy | {
        "name": "orders",
        "first_response_minutes": 60,
        "resolution_minutes": 600,
        "team_id": scene.world.team.id,
    }
    assert (
        client.post(f"{V}/sla-policies", json=policy, headers=scene.as_("admin")).status_code == 201
    )
    # Monday 09:00 UTC is 04:00 in New York (EST): 60 working minutes end at 10:00 there, 15:00 UTC
    conv = scene.world.open(scene.world.calm_customer, channel="email")
    listed = client.get(f"{V}/conversations?sort=sla_due&order=desc", headers=scene.as_("admin"))
    due = {i["id"]: i["sla_due_at"] for i in listed.json()["items"]}[conv.id]
    assert due.startswith("2026-03-02T15:00:00")
