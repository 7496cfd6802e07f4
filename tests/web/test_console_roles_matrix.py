"""Every console route, called by every persona, answers what the access rules say.

The API has its matrix (`test_roles_matrix.py`); this is the console's, for the pages and forms
the intake, desk, QA, role-play, KB and P15 work added. A console route without a row here fails
`test_console_matrix_covers_every_console_route`.

Staff log in through the form (a server-side session and its CSRF token); a customer sends their
chat token, which the console refuses. Records belong to the Orders team; Bea (`other_agent`) is
in Billing, so every record of Orders must be "not found" for her, and no answer to a persona
that may not see a record may carry the customer's name or words.

Forms are sent empty: a persona allowed through gets past the access checks and is then told what
the form lacks (400), or, where nothing is needed, the action's own answer; the records therefore
stay as they are, and each persona's run is independent of the others'.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from tests.factories import ADMIN, PASSWORD
from tests.web.conftest import PERSONAS, SECRET, Scene
from tests.web.console_support import db_url, login  # noqa: F401

from calmdesk.actions import Actor, add_customer_turn, resolve_conversation, send_agent_reply
from calmdesk.actions.cases import open_case
from calmdesk.actions.practice import start_practice
from calmdesk.actions.qa import score_stored_conversations
from calmdesk.actions.sessions import start_session
from calmdesk.config import Settings

STAFF = {"agent", "supervisor", "admin"}
ALL_STAFF = {"other_agent", *STAFF}
MANAGERS = {"supervisor", "admin"}
LOGINS = {"agent": "cal", "supervisor": "sam", "admin": "ada", "other_agent": "bea"}
SECRET_WORDS = ("Carl Calm", "Where is my order")  # customer A's name and first message
PASSED = {200, 303, 400, 409}  # through the access checks: the page, a redirect, a form error


@dataclass
class Records:
    conversation: int
    customer: int
    commitment: int
    follow_up: int
    practice: int
    resolution: int
    qa_conversation: int
    session: int  # a session of the agent's, for the revoke routes
    team: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One console route: how to call it, who gets through, what the others get."""

    method: str
    path: str
    allowed: set[str]
    denied: dict[str, int] = field(default_factory=dict)
    ids: Callable[[Records], dict[str, Any]] = lambda r: {}
    ok: set[int] = field(default_factory=lambda: set(PASSED))
    team_record: bool = False  # names a record of Orders: no data of it to the others
    analyst: set[int] | None = None  # what a QA analyst gets, where it is not the refusal

    def expected(self, persona: str) -> set[int]:
        if persona == "qa_analyst" and self.analyst is not None:
            return self.analyst
        if persona in self.allowed:
            return self.ok
        if persona in self.denied:
            return {self.denied[persona]}
        if persona == "anonymous":
            return {303}  # to the login page
        if persona.startswith("customer"):
            return {403}  # a chat token is not a staff login
        return {404 if self.team_record else 403}


def conv(r: Records) -> dict[str, Any]:
    return {"conversation_id": r.conversation}


def _team_row(method: str, suffix: str, **kw: Any) -> Row:
    return Row(method, f"/console/conversations/{{conversation_id}}{suffix}", STAFF, ids=conv,
               team_record=True, **kw)  # fmt: skip


C = "/console"
MATRIX: list[Row] = [
    Row("GET", "/console/login", set(PERSONAS), ok={200, 303}),  # 303: already logged in
    Row("GET", C, ALL_STAFF, ok={200}),
    Row("GET", f"{C}/queue/rows", ALL_STAFF, ok={200}),
    Row("GET", f"{C}/search", ALL_STAFF, ok={200}),
    Row("GET", f"{C}/supervisor", MANAGERS),
    _team_row("GET", "", ok={200}),
    _team_row("GET", "/transcript", ok={200}),
    # a case that left the agent's queue: a notice (200) that says only that
    _team_row("GET", "/insight", ok={200}, denied={"other_agent": 200}),
    _team_row("GET", "/review", ok={200}),
    _team_row("POST", "/review"),
    _team_row("POST", "/suggest"),
    _team_row("POST", "/reply"),
    _team_row("POST", "/escalate"),
    _team_row("POST", "/resolve"),
    _team_row("POST", "/notes"),
    _team_row("GET", "/resolution", ok={200}),
    _team_row("POST", "/resolution"),
    _team_row("POST", "/claim"),
    _team_row("POST", "/assign"),
    _team_row("POST", "/hand-back"),
    _team_row("POST", "/tags"),
    _team_row("POST", "/macro"),
    _team_row("GET", "/articles", ok={200}),
    Row("POST", f"{C}/customers/{{customer_id}}/standing", STAFF, team_record=True,
        ids=lambda r: {"customer_id": r.customer, "form": {
            "conversation_id": r.conversation, "action": "warn", "reason": ""}}),
    Row("POST", f"{C}/commitments/{{commitment_id}}/done", STAFF, team_record=True,
        ids=lambda r: {"commitment_id": r.commitment}),
    Row("POST", f"{C}/follow-ups/{{follow_up_id}}/done", STAFF, team_record=True,
        ids=lambda r: {"follow_up_id": r.follow_up}),
    Row("GET", f"{C}/resolution/{{case_id}}", STAFF, team_record=True, ok={200},
        ids=lambda r: {"case_id": r.resolution}),
    Row("POST", f"{C}/resolution/{{case_id}}/steps", STAFF, team_record=True,
        ids=lambda r: {"case_id": r.resolution}),
    Row("POST", f"{C}/presence", ALL_STAFF),
    Row("GET", f"{C}/macros", ALL_STAFF, ok={200}),
    Row("POST", f"{C}/macros", ALL_STAFF),
    # role-play: the agent's own practice session; their team's trainers may read it
    Row("GET", f"{C}/practice", ALL_STAFF, ok={200}),
    Row("POST", f"{C}/practice/start", ALL_STAFF),
    Row("POST", f"{C}/practice/assign", ALL_STAFF),
    Row("POST", f"{C}/practice/from-case", ALL_STAFF,
        ids=lambda r: {"form": {"conversation_id": str(r.conversation), "title": ""}}),
    Row("GET", f"{C}/practice/{{session_id}}", STAFF, team_record=True, ok={200},
        ids=lambda r: {"session_id": r.practice}),
    # the trainee replies, the trainers comment; a refusal to one who may read the session is
    # shown on its page (400), to anyone else the session is not found
    Row("POST", f"{C}/practice/{{session_id}}/reply", {"agent"}, team_record=True,
        ids=lambda r: {"session_id": r.practice, "form": {"text": "I am sorry, let me help."}},
        denied={"supervisor": 400, "admin": 400}),
    Row("POST", f"{C}/practice/{{session_id}}/comments", MANAGERS, team_record=True,
        ids=lambda r: {"session_id": r.practice, "form": {"text": "Good boundary."}},
        denied={"agent": 400}),
    # QA (a resolved, scored conversation of Orders)
    Row("GET", f"{C}/qa", ALL_STAFF, ok={200}),
    Row("GET", f"{C}/qa/calibration", ALL_STAFF, ok={200}),
    Row("GET", f"{C}/qa/analytics", MANAGERS, ok={200}),
    Row("GET", f"{C}/qa/analytics/{{chart}}.csv", MANAGERS, ok={200},
        ids=lambda r: {"chart": "volume_by_channel"}),
    Row("GET", f"{C}/qa/conversations/{{conversation_id}}", STAFF, team_record=True, ok={200},
        ids=lambda r: {"conversation_id": r.qa_conversation}),
    # analysts (supervisors, admins) override a verdict; the agent may answer it
    Row("POST", f"{C}/qa/conversations/{{conversation_id}}/override", MANAGERS, team_record=True,
        denied={"agent": 403},
        ids=lambda r: {"conversation_id": r.qa_conversation}),
    Row("POST", f"{C}/qa/conversations/{{conversation_id}}/respond", STAFF, team_record=True,
        ids=lambda r: {"conversation_id": r.qa_conversation}),
    # KB: everyone reads; admins edit
    Row("GET", f"{C}/kb", ALL_STAFF, ok={200}),
    Row("GET", f"{C}/kb/{{slug}}", {"admin"}, ids=lambda r: {"slug": r.extra["slug"]}, ok={200}),
    Row("POST", f"{C}/kb/{{slug}}", {"admin"}, ids=lambda r: {"slug": r.extra["slug"]}),
    # people and settings
    Row("GET", f"{C}/admin", MANAGERS, ok={303}),
    Row("GET", f"{C}/admin/users", MANAGERS, ok={200}),
    Row("POST", f"{C}/admin/users", {"admin"}),
    Row("POST", f"{C}/admin/users/{{user_id}}/role", {"admin"},
        ids=lambda r: {"user_id": r.extra["fresh_user"]}),
    Row("POST", f"{C}/admin/users/{{user_id}}/deactivate", {"admin"},
        ids=lambda r: {"user_id": r.extra["fresh_user"]}),
    Row("POST", f"{C}/admin/users/{{user_id}}/password", {"admin"},
        ids=lambda r: {"user_id": r.extra["fresh_user"]}),
    Row("GET", f"{C}/admin/sessions", {"admin"}, ok={200}),
    Row("GET", f"{C}/admin/tokens", MANAGERS, ok={200}),
    Row("POST", f"{C}/admin/tokens", {"admin"}),
    Row("POST", f"{C}/admin/tokens/{{token_id}}/revoke", {"admin"},
        ids=lambda r: {"token_id": r.extra["token"]}),
    Row("POST", f"{C}/admin/sessions/{{session_id}}/revoke", {"admin"},
        ids=lambda r: {"session_id": r.session}),
    Row("POST", f"{C}/admin/sessions/revoke-all", {"admin"}),
    Row("GET", f"{C}/settings", {"admin"}, ok={200}),
    Row("POST", f"{C}/settings/teams/{{team_id}}", {"admin"}, ids=lambda r: {"team_id": r.team}),
    Row("POST", f"{C}/settings/sla-policies", {"admin"}),
    Row("GET", f"{C}/settings/escalation-rules", {"admin"}, ok={200}),
    Row("POST", f"{C}/settings/escalation-rules", {"admin"}),
    # 404: nothing saved to reset (the admin passed the access check)
    Row("POST", f"{C}/settings/escalation-rules/reset", {"admin"}, ok={*PASSED, 404}),
    Row("GET", f"{C}/settings/playbook", {"admin"}, ok={200}),
    Row("POST", f"{C}/settings/playbook", {"admin"}),
    Row("POST", f"{C}/settings/playbook/yaml", {"admin"}),
    Row("POST", f"{C}/settings/playbook/reset", {"admin"}),
    Row("GET", f"{C}/account", ALL_STAFF, ok={200}),
    Row("POST", f"{C}/account/password", ALL_STAFF),
    # someone else's session is "not found" from one's own account page
    Row("POST", f"{C}/account/sessions/{{session_id}}/revoke", {"agent"},
        ids=lambda r: {"session_id": r.session}, denied={"other_agent": 404, "supervisor": 404,
                                                        "admin": 404}),
    # last: these end the persona's own sessions
    Row("POST", f"{C}/account/sessions/revoke-others", ALL_STAFF),
    Row("POST", f"{C}/login", set(PERSONAS), ok={400, 403}),
    Row("POST", f"{C}/logout", {"anonymous", *ALL_STAFF}, ok={303}),
]  # fmt: skip


# A QA analyst reads their team's cases, the QA workspace, articles and their own account; every
# write outside the QA overrides and their account is refused with 403 (web/roles.py), even on
# a record they may read. Routes not listed here refuse them as they refuse any other role.
_CASE = "/console/conversations/{conversation_id}"
ANALYST: dict[tuple[str, str], set[int]] = {
    ("GET", C): {303},  # to the QA workspace
    ("GET", f"{C}/queue/rows"): {200},
    ("GET", f"{C}/search"): {200},
    ("GET", _CASE): {303},  # to the case beside its scorecard
    **{
        ("GET", _CASE + s): {200}
        for s in ("/transcript", "/insight", "/review", "/resolution", "/articles")
    },
    **{
        ("POST", _CASE + s): {403}
        for s in (
            "/review",
            "/suggest",
            "/reply",
            "/escalate",
            "/resolve",
            "/notes",
            "/resolution",
            "/claim",
            "/assign",
            "/hand-back",
            "/tags",
            "/macro",
        )
    },
    ("POST", f"{C}/customers/{{customer_id}}/standing"): {403},
    ("POST", f"{C}/commitments/{{commitment_id}}/done"): {403},
    ("POST", f"{C}/follow-ups/{{follow_up_id}}/done"): {403},
    ("POST", f"{C}/resolution/{{case_id}}/steps"): {403},
    ("GET", f"{C}/macros"): {200},
    ("GET", f"{C}/practice"): {200},
    ("POST", f"{C}/practice/{{session_id}}/reply"): {403},
    ("POST", f"{C}/practice/{{session_id}}/comments"): {403},
    **{
        ("GET", f"{C}/qa{s}"): {200}
        for s in (
            "",
            "/calibration",
            "/analytics",
            "/analytics/{chart}.csv",
            "/conversations/{conversation_id}",
        )
    },
    ("POST", f"{C}/qa/conversations/{{conversation_id}}/override"): {400},  # empty form
    ("POST", f"{C}/qa/conversations/{{conversation_id}}/respond"): {400},
    ("GET", f"{C}/kb"): {200},
    ("GET", f"{C}/account"): {200},
    ("POST", f"{C}/account/password"): {400},
    ("POST", f"{C}/account/sessions/{{session_id}}/revoke"): {404},  # not their session
    ("POST", f"{C}/account/sessions/revoke-others"): {303},
    ("POST", f"{C}/logout"): {303},
}
MATRIX = [
    dataclasses.replace(row, analyst=ANALYST[(row.method, row.path)])
    if (row.method, row.path) in ANALYST
    else row
    for row in MATRIX
]


@pytest.fixture
def settings(db_url: str) -> Settings:  # noqa: F811
    """Every persona calls every route: more than a chat token may a minute."""
    return Settings(database_url=db_url, secret_key=SECRET, rate_chat_per_min=10_000,
                    _env_file=None)  # type: ignore[call-arg]  # fmt: skip


@pytest.fixture
def records(scene: Scene) -> Records:
    from sqlalchemy import select

    from calmdesk.actions import create_api_token, create_user
    from calmdesk.actions.kb import import_articles
    from calmdesk.analysis.kb import read_folder
    from calmdesk.storage.kb import KbArticle

    demo_kb = Path(__file__).resolve().parents[2] / "src" / "calmdesk" / "demo" / "kb"

    w = scene.world
    agent = w.actor(w.agent)
    practice = start_practice(w.ctx, agent, "abusive-refund", seed=1)
    resolution = open_case(w.ctx, ADMIN, scene.conv_a.id, "negotiation", "Refund disputed")
    scored = w.open(w.calm_customer)
    add_customer_turn(w.ctx, Actor.for_customer(w.calm_customer.id), scored.id,
                      "Where is my order? Third time I ask.")  # fmt: skip
    send_agent_reply(w.ctx, agent, scored.id, "Sorry, it ships today; tracking by 5pm.")
    resolve_conversation(w.ctx, agent, scored.id, "shipped")
    score_stored_conversations(w.ctx, Actor.system("matrix"))
    _, session = start_session(w.ctx, w.agent.id)
    fresh = create_user(w.ctx, ADMIN, username="fresh", password=PASSWORD, role="agent",
                        team_id=w.team.id)  # fmt: skip
    _, token = create_api_token(w.ctx, ADMIN, w.agent.id, "console matrix")
    import_articles(w.ctx, ADMIN, read_folder(demo_kb), "demo")
    with w.ctx.sessions() as db:
        slug = db.scalars(select(KbArticle.slug).order_by(KbArticle.slug)).first()
    return Records(
        scene.conv_a.id, scene.conv_a.customer_id, scene.commitment_id, scene.follow_up_id,
        practice.id, resolution.id, scored.id, session.id, w.team.id,
        {"fresh_user": fresh.id, "token": token.id, "slug": slug},
    )  # fmt: skip


def _console_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        methods = getattr(route, "methods", None)
        if route.path.startswith("/console") and methods:
            found |= {(m, route.path) for m in methods if m != "HEAD"}
    return found


def test_console_matrix_covers_every_console_route(app: FastAPI) -> None:
    listed = [(r.method, r.path) for r in MATRIX]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    assert _console_routes(app) == set(listed)


def _headers(client: TestClient, scene: Scene, persona: str) -> dict[str, str]:
    client.cookies.clear()
    if persona in LOGINS:
        return {"X-CSRF-Token": login(client, LOGINS[persona])}
    return scene.as_(persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_console_matrix_every_route_answers_the_expected_status(
    client: TestClient, scene: Scene, records: Records, persona: str
) -> None:
    headers = _headers(client, scene, persona)
    wrong, leaked = {}, []
    for row in MATRIX:
        spec = row.ids(records)
        form = spec.pop("form", None)
        answer = client.request(row.method, row.path.format(**spec), headers=headers,
                                data=form, follow_redirects=False)  # fmt: skip
        if answer.status_code not in row.expected(persona):
            wrong[f"{row.method} {row.path}"] = (answer.status_code, sorted(row.expected(persona)))
        reads_it = persona == "qa_analyst" and row.method == "GET" and row.analyst == {200}
        if row.team_record and persona not in row.allowed and not reads_it:  # Quinn: same team
            leaked += [f"{row.method} {row.path}: {w}" for w in SECRET_WORDS if w in answer.text]
    assert not wrong, f"{persona}: (got, expected) by route: {wrong}"
    assert not leaked, f"{persona} was shown another team's customer: {leaked}"
