"""Every `/api/v1` route, called by every persona, answers the status the access rules say.

The matrix below has one entry per route. A route added to the API without an entry here fails
`test_roles_matrix_covers_every_api_route`, so nobody ships a route whose access was not decided.

Each persona runs the whole list in order on a fresh database (the order lets every write succeed
for those allowed: the promise is completed before "customer told", escalation before resolving,
block before unblock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from itertools import count
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import ADMIN, PASSWORD
from tests.web.conftest import PERSONAS, SECRET, Scene

from calmdesk.actions import create_api_token, create_customer, create_user
from calmdesk.actions.cases import open_case
from calmdesk.actions.sessions import start_session
from calmdesk.config import Settings
from calmdesk.storage.cases import ResolutionCase

STAFF = {"agent", "supervisor", "admin"}
EVERYONE = set(PERSONAS)
CUSTOMER_A = {"customer_a"}


@dataclass(frozen=True)
class Entry:
    """How to call one route, who may, and what the others get."""

    method: str
    path: str
    fill: Callable[[Scene], dict[str, Any]]
    ok: int
    allowed: set[str]
    # What a caller outside `allowed` gets, by persona; the defaults follow the access rules.
    denied: dict[str, int] | None = None

    def expected(self, persona: str) -> int:
        if persona == "qa_analyst":
            return QA_ANALYST[(self.method, self.path)]
        if persona in self.allowed:
            return self.ok
        if self.denied and persona in self.denied:
            return self.denied[persona]
        if persona == "anonymous":
            return 401
        if persona.startswith("customer"):
            return 403
        return 404  # staff who cannot see the record get "not found"


def conv_a(s: Scene, **body: Any) -> dict[str, Any]:
    return {"ids": {"conversation_id": s.conv_a.id}, "json": body or None}


def conv_b(s: Scene, **body: Any) -> dict[str, Any]:
    return {"ids": {"conversation_id": s.conv_b.id}, "json": body or None}


def customer_a(s: Scene, **body: Any) -> dict[str, Any]:
    return {"ids": {"customer_id": s.conv_a.customer_id}, "json": body or None}


def resolution_case(s: Scene, **body: Any) -> dict[str, Any]:
    """Conversation A's open P15 case (opened here when the persona could not open it)."""
    with s.world.ctx.sessions() as session:
        found = session.scalars(
            select(ResolutionCase.id).where(ResolutionCase.conversation_id == s.conv_a.id)
        ).first()
    if found is None:
        found = open_case(s.world.ctx, ADMIN, s.conv_a.id, "negotiation", "Refund disputed").id
    return {"ids": {"case_id": found}, "json": body or None}


V = "/api/v1"
_RULES_FILE = resources.files("calmdesk.defaults").joinpath("escalation_rules.yaml").read_text()
ALL_STAFF_LIST = {"other_agent", *STAFF}
MANAGERS = {"supervisor", "admin"}
STAFF_403 = {"agent": 403, "supervisor": 403, "other_agent": 403}
_made = count(1)


def agent_session(s: Scene) -> dict[str, Any]:
    _, row = start_session(s.world.ctx, s.world.agent.id)
    return {"ids": {"session_id": row.id}}


def agent_token(s: Scene) -> dict[str, Any]:
    _, row = create_api_token(s.world.ctx, ADMIN, s.world.agent.id, "matrix")
    return {"ids": {"token_id": row.id}}


def new_user_body(s: Scene) -> dict[str, Any]:
    name = f"matrix{next(_made)}"
    return {"json": {"username": name, "password": PASSWORD, "role": "agent",
                     "team_id": s.world.team.id}}  # fmt: skip


def fresh_user(s: Scene) -> dict[str, Any]:
    user = create_user(
        s.world.ctx, ADMIN, username=f"fresh{next(_made)}", password=PASSWORD, role="agent",
        team_id=s.world.team.id,
    )  # fmt: skip
    return {"ids": {"user_id": user.id}}


def orders_team(s: Scene, **body: Any) -> dict[str, Any]:
    return {"ids": {"team_id": s.world.team.id}, "json": body or None}


def erasable_customer(s: Scene) -> dict[str, Any]:
    customer = create_customer(s.world.ctx, ADMIN, name=f"Erasable {next(_made)}")
    s.world.open(customer)
    return {"ids": {"customer_id": customer.id}, "json": {"reason": "Asked to be forgotten."}}


MATRIX: list[Entry] = [
    Entry("GET", f"{V}/health", lambda s: {}, 200, EVERYONE),
    Entry("POST", f"{V}/login", lambda s: {"json": {"username": "cal", "password": PASSWORD}},
          200, EVERYONE),
    Entry("GET", f"{V}/me", lambda s: {}, 200, EVERYONE - {"anonymous"}),
    Entry("GET", f"{V}/conversations", lambda s: {}, 200, ALL_STAFF_LIST),
    Entry("GET", f"{V}/conversations/{{conversation_id}}", conv_a, 200, STAFF),
    Entry("GET", f"{V}/conversations/{{conversation_id}}/chat", conv_a, 200, STAFF | CUSTOMER_A,
          {"customer_b": 404}),
    Entry("GET", f"{V}/customers", lambda s: {}, 200, ALL_STAFF_LIST),
    Entry("GET", f"{V}/customers/{{customer_id}}", customer_a, 200, STAFF),
    Entry("POST", f"{V}/review", lambda s: {"json": {"conversation_id": s.conv_a.id,
          "draft": "I understand. I will look into it today."}}, 200, STAFF),
    Entry("POST", f"{V}/suggest", lambda s: {"json": {"conversation_id": s.conv_a.id}}, 200,
          STAFF),
    Entry("GET", f"{V}/conversations/{{conversation_id}}/export.json", conv_a, 200, STAFF),
    Entry("GET", f"{V}/conversations/{{conversation_id}}/export.html", conv_a, 200, STAFF),
    # the other team's agent cannot open a case for (and so read) another team's customer
    Entry("POST", f"{V}/conversations", lambda s: {"json": {
          "customer_id": s.conv_b.customer_id, "channel": "email"}}, 201, STAFF),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/turns",
          lambda s: conv_a(s, text="Any news on my order?"), 201, STAFF | CUSTOMER_A,
          {"customer_b": 404}),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/replies",
          lambda s: conv_a(s, text="I am checking with the warehouse now."), 201, STAFF),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/notes",
          lambda s: conv_a(s, text="Customer prefers email."), 201, STAFF),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/resolution",
          lambda s: conv_a(s, track="negotiation", reason="Refund disputed"), 201, STAFF),
    Entry("GET", f"{V}/resolution-cases/{{case_id}}", resolution_case, 200, STAFF),
    Entry("POST", f"{V}/resolution-cases/{{case_id}}/steps",
          lambda s: resolution_case(s, step="offer", text="A refund of 20"), 201, STAFF),
    Entry("POST", f"{V}/commitments/{{commitment_id}}/complete",
          lambda s: {"ids": {"commitment_id": s.commitment_id}, "json": {}}, 200, STAFF),
    Entry("POST", f"{V}/commitments/{{commitment_id}}/told",
          lambda s: {"ids": {"commitment_id": s.commitment_id}}, 200, STAFF),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/follow-ups",
          lambda s: conv_a(s, due_at="2026-05-01T09:00:00+00:00"), 201, STAFF),
    Entry("POST", f"{V}/follow-ups/{{follow_up_id}}/complete",
          lambda s: {"ids": {"follow_up_id": s.follow_up_id}, "json": {"outcome": "Happy."}},
          200, STAFF),
    # the desk (issue 11): claim, hand back and assign act on customer B's unassigned case
    Entry("POST", f"{V}/conversations/{{conversation_id}}/claim", conv_b, 200, STAFF),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/hand-back",
          lambda s: conv_b(s, reason="Going off shift."), 200, STAFF),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/assign",
          lambda s: conv_b(s, team_id=s.conv_b.team_id, reason="Rebalance."), 200,
          {"supervisor", "admin"}, {"agent": 403}),
    Entry("PUT", f"{V}/presence", lambda s: {"json": {"status": "away"}}, 200, ALL_STAFF_LIST),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/tags",
          lambda s: conv_a(s, tag="late-delivery"), 200, STAFF),
    Entry("DELETE", f"{V}/conversations/{{conversation_id}}/tags/{{tag}}",
          lambda s: {"ids": {"conversation_id": s.conv_a.id, "tag": "late-delivery"}}, 200, STAFF),
    Entry("GET", f"{V}/search", lambda s: {"params": {"q": "order"}}, 200, ALL_STAFF_LIST),
    Entry("POST", f"{V}/macros", lambda s: {"json": {"title": "Late", "body":
          "I'm sorry {customer_name}, I will check order {order} today."}}, 201, ALL_STAFF_LIST),
    Entry("GET", f"{V}/macros", lambda s: {}, 200, ALL_STAFF_LIST),
    Entry("PUT", f"{V}/teams/{{team_id}}/settings", lambda s: {
          "ids": {"team_id": s.conv_a.team_id}, "json": {"routing_mode": "manual", "capacity": 5,
          "timezone": "Europe/Berlin", "business_hours": {"mon": ["09:00", "17:00"]}}},
          200, {"admin"}, {"agent": 403, "other_agent": 403, "supervisor": 403}),
    Entry("POST", f"{V}/sla-policies", lambda s: {"json": {"name": "vip",
          "first_response_minutes": 30, "next_response_minutes": 60, "resolution_minutes": 600}},
          201, {"admin"}, {"agent": 403, "other_agent": 403, "supervisor": 403}),
    Entry("GET", f"{V}/sla-policies", lambda s: {}, 200, {"supervisor", "admin"},
          {"agent": 403, "other_agent": 403}),
    Entry("GET", f"{V}/settings/{{kind}}", lambda s: {"ids": {"kind": "playbook"}}, 200, MANAGERS,
          {"agent": 403, "other_agent": 403}),
    Entry("PUT", f"{V}/settings/{{kind}}", lambda s: {"ids": {"kind": "escalation-rules"},
          "json": {"text": _RULES_FILE, "team_id": s.world.team.id}}, 200, {"admin"}, STAFF_403),
    Entry("DELETE", f"{V}/settings/{{kind}}", lambda s: {"ids": {"kind": "escalation-rules"},
          "params": {"team_id": s.world.team.id}}, 204, {"admin"}, STAFF_403),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/escalate",
          lambda s: conv_a(s, reason="Needs billing.", to_team_id=s.conv_a.team_id), 201, STAFF),
    # the escalation above hands customer A's case to the supervisor: the agent may read it,
    # not resolve it (403, saying who has it now)
    Entry("POST", f"{V}/conversations/{{conversation_id}}/resolve",
          lambda s: conv_a(s, outcome="Replacement sent."), 200, STAFF - {"agent"},
          {"agent": 403}),
    Entry("POST", f"{V}/customers/{{customer_id}}/warn",
          lambda s: customer_a(s, reason="Insults in the chat."), 200, STAFF),
    Entry("POST", f"{V}/customers/{{customer_id}}/block",
          lambda s: customer_a(s, reason="Repeated threats."), 200, {"supervisor", "admin"},
          {"agent": 403}),
    Entry("POST", f"{V}/customers/{{customer_id}}/unblock",
          lambda s: customer_a(s, reason="Apologised."), 200, {"supervisor", "admin"},
          {"agent": 403}),
    Entry("POST", f"{V}/customers/{{customer_id}}/merge", lambda s: {"ids": {"customer_id":
          s.conv_b.customer_id}, "json": {"into_customer_id": s.conv_a.customer_id,
          "reason": "Same person, checked by phone."}}, 200, STAFF),
    Entry("POST", f"{V}/public/conversations", lambda s: {"json": {"name": "Visitor",
          "text": "Hello, my parcel is late."}}, 201, EVERYONE),
    # trust (issue 9): sessions, tokens, users, chat tokens, privacy, erasure, retention
    Entry("GET", f"{V}/sessions", lambda s: {}, 200, ALL_STAFF_LIST),
    Entry("DELETE", f"{V}/sessions/{{session_id}}", agent_session, 204, {"agent", "admin"}),
    Entry("GET", f"{V}/tokens", lambda s: {}, 200, ALL_STAFF_LIST),
    Entry("DELETE", f"{V}/tokens/{{token_id}}", agent_token, 204, {"agent", "admin"},
          {"supervisor": 403}),
    Entry("GET", f"{V}/users", lambda s: {}, 200, MANAGERS, {"agent": 403, "other_agent": 403}),
    Entry("POST", f"{V}/users", new_user_body, 201, {"admin"}, STAFF_403),
    Entry("POST", f"{V}/users/{{user_id}}/deactivate", fresh_user, 200, {"admin"}, STAFF_403),
    Entry("POST", f"{V}/users/{{user_id}}/sessions/revoke", fresh_user, 200, {"admin"},
          STAFF_403),
    # the agent escalated conversation A above, so it is held by the supervisor now: 403
    Entry("POST", f"{V}/conversations/{{conversation_id}}/chat-token", conv_a, 201, MANAGERS,
          {"agent": 403}),
    Entry("POST", f"{V}/conversations/{{conversation_id}}/chat-tokens/revoke", conv_a, 200,
          MANAGERS, {"agent": 403}),
    Entry("GET", f"{V}/teams/{{team_id}}/privacy", orders_team, 200, MANAGERS,
          {"agent": 403, "other_agent": 403}),
    Entry("PUT", f"{V}/teams/{{team_id}}/privacy",
          lambda s: orders_team(s, mask_contacts=True), 200, {"admin"}, STAFF_403),
    Entry("POST", f"{V}/customers/{{customer_id}}/erase", erasable_customer, 200, MANAGERS,
          {"agent": 403, "other_agent": 403}),
    Entry("POST", f"{V}/retention/run", lambda s: {}, 200, {"admin"}, STAFF_403),
    Entry("POST", f"{V}/me/password", lambda s: {"json": {
          "current_password": PASSWORD, "new_password": "a brand new passphrase"}}, 204,
          ALL_STAFF_LIST),
    Entry("POST", f"{V}/logout", lambda s: {}, 204, ALL_STAFF_LIST),
    # last: rotating makes the customer's token used so far stop working
    Entry("POST", f"{V}/chat/token/rotate", lambda s: {}, 200, {"customer_a", "customer_b"},
          {"agent": 403, "supervisor": 403, "admin": 403, "other_agent": 403}),
]  # fmt: skip


# The QA analyst (issue 12) of customer A's team: reads what a supervisor of the team reads (its
# conversations, customers, exports, search, macros); every write outside the QA workspace and
# their own account is refused with 403 (`web.roles`), so replying, assigning, claiming,
# blocking and administering never happen; the users list, SLA policies and privacy settings are
# the managers'. Another user's session or token is not found (404); a P15 resolution case
# keeps its own visibility rule (analysis/cases.py `staff_sees`: supervisors only), 404.
QA_ANALYST: dict[tuple[str, str], int] = {
    ("GET", f"{V}/health"): 200,
    ("POST", f"{V}/login"): 200,
    ("GET", f"{V}/me"): 200,
    ("GET", f"{V}/conversations"): 200,
    ("GET", f"{V}/conversations/{{conversation_id}}"): 200,
    ("GET", f"{V}/conversations/{{conversation_id}}/chat"): 200,
    ("GET", f"{V}/customers"): 200,
    ("GET", f"{V}/customers/{{customer_id}}"): 200,
    ("POST", f"{V}/review"): 403,
    ("POST", f"{V}/suggest"): 403,
    ("GET", f"{V}/conversations/{{conversation_id}}/export.json"): 200,
    ("GET", f"{V}/conversations/{{conversation_id}}/export.html"): 200,
    ("POST", f"{V}/conversations"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/turns"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/replies"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/notes"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/resolution"): 403,
    ("GET", f"{V}/resolution-cases/{{case_id}}"): 404,
    ("POST", f"{V}/resolution-cases/{{case_id}}/steps"): 403,
    ("POST", f"{V}/commitments/{{commitment_id}}/complete"): 403,
    ("POST", f"{V}/commitments/{{commitment_id}}/told"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/follow-ups"): 403,
    ("POST", f"{V}/follow-ups/{{follow_up_id}}/complete"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/claim"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/hand-back"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/assign"): 403,
    ("PUT", f"{V}/presence"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/tags"): 403,
    ("DELETE", f"{V}/conversations/{{conversation_id}}/tags/{{tag}}"): 403,
    ("GET", f"{V}/search"): 200,
    ("POST", f"{V}/macros"): 403,
    ("GET", f"{V}/macros"): 200,
    ("PUT", f"{V}/teams/{{team_id}}/settings"): 403,
    ("POST", f"{V}/sla-policies"): 403,
    ("GET", f"{V}/settings/{{kind}}"): 403,  # the desk's settings are for supervisors, admins
    ("PUT", f"{V}/settings/{{kind}}"): 403,
    ("DELETE", f"{V}/settings/{{kind}}"): 403,
    ("GET", f"{V}/sla-policies"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/escalate"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/resolve"): 403,
    ("POST", f"{V}/customers/{{customer_id}}/warn"): 403,
    ("POST", f"{V}/customers/{{customer_id}}/block"): 403,
    ("POST", f"{V}/customers/{{customer_id}}/unblock"): 403,
    ("POST", f"{V}/customers/{{customer_id}}/merge"): 403,
    ("POST", f"{V}/public/conversations"): 201,
    ("GET", f"{V}/sessions"): 200,
    ("DELETE", f"{V}/sessions/{{session_id}}"): 404,
    ("GET", f"{V}/tokens"): 200,
    ("DELETE", f"{V}/tokens/{{token_id}}"): 404,
    ("GET", f"{V}/users"): 403,
    ("POST", f"{V}/users"): 403,
    ("POST", f"{V}/users/{{user_id}}/deactivate"): 403,
    ("POST", f"{V}/users/{{user_id}}/sessions/revoke"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/chat-token"): 403,
    ("POST", f"{V}/conversations/{{conversation_id}}/chat-tokens/revoke"): 403,
    ("GET", f"{V}/teams/{{team_id}}/privacy"): 403,
    ("PUT", f"{V}/teams/{{team_id}}/privacy"): 403,
    ("POST", f"{V}/customers/{{customer_id}}/erase"): 403,
    ("POST", f"{V}/retention/run"): 403,
    ("POST", f"{V}/me/password"): 204,
    ("POST", f"{V}/logout"): 204,
    ("POST", f"{V}/chat/token/rotate"): 403,
}  # fmt: skip


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The web tests' settings; each persona calls every route, more than a chat may a minute."""
    return Settings(database_url=db_url, secret_key=SECRET, rate_chat_per_min=1000, _env_file=None)  # type: ignore[call-arg]


def _api_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        if route.path.startswith(V) and route.methods:
            found |= {(m, route.path) for m in route.methods if m != "HEAD"}
    return found


def test_roles_matrix_covers_every_api_route(app: FastAPI) -> None:
    listed = [(e.method, e.path) for e in MATRIX]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    assert _api_routes(app) == set(listed)
    assert set(QA_ANALYST) == set(listed), "every route needs its QA analyst expectation"


def _call(client: TestClient, entry: Entry, scene: Scene, persona: str) -> int:
    spec = entry.fill(scene)
    path = entry.path.format(**spec.get("ids", {}))
    headers = scene.as_(persona)
    kwargs: dict[str, Any] = {"headers": headers, "params": spec.get("params")}
    if spec.get("json") is not None:
        kwargs["json"] = spec["json"]
    elif entry.method == "POST" and "json" in spec:
        kwargs["json"] = {}
    status = client.request(entry.method, path, **kwargs).status_code
    client.cookies.clear()  # a login must not authenticate the next persona's calls
    return status


@pytest.mark.parametrize("persona", PERSONAS)
def test_roles_matrix_every_route_answers_the_expected_status(
    client: TestClient, scene: Scene, persona: str
) -> None:
    got = {(e.method, e.path): _call(client, e, scene, persona) for e in MATRIX}
    want = {(e.method, e.path): e.expected(persona) for e in MATRIX}
    wrong = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert not wrong, f"{persona}: (got, expected) by route: {wrong}"


def test_roles_matrix_other_team_agent_sees_an_empty_queue(
    client: TestClient, scene: Scene
) -> None:
    body = client.get(f"{V}/conversations", headers=scene.as_("other_agent")).json()
    assert body["total"] == 0 and body["items"] == []
