"""The QA analyst (issue 12): Quinn scores the conversations of the team in the QA workspace and
reads the team's analytics, but never replies, assigns, claims, blocks or administers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import ADMIN, PASSWORD, World
from tests.web.console_support import db_url, login, parse  # noqa: F401

from calmdesk.actions import (
    Actor,
    add_customer_turn,
    create_user,
    resolve_conversation,
    send_agent_reply,
)
from calmdesk.actions.qa import score_stored_conversations
from calmdesk.domain import PermissionDenied
from calmdesk.storage import AuditEntry, Conversation, Turn
from calmdesk.storage.qa import QaOverride


def _quinn(world: World, team_id: int | None = None) -> None:
    create_user(
        world.ctx, ADMIN, username="quinn", password=PASSWORD, role="qa_analyst",
        display_name="Quinn", team_id=team_id or world.team.id,
    )  # fmt: skip


def _scored(world: World) -> int:
    c = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), c.id, "Late again!")
    send_agent_reply(world.ctx, world.actor(world.agent), c.id, "Not our fault. We'll look.")
    resolve_conversation(world.ctx, world.actor(world.agent), c.id, "re-sent")
    score_stored_conversations(world.ctx, Actor.system("t"))
    return c.id


def test_qa_analyst_overrides_a_criterion_of_their_team(client: TestClient, world: World) -> None:
    _quinn(world)
    cid = _scored(world)
    csrf = login(client, "quinn")
    home = client.get("/console", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/console/qa"
    nav = [a.text for a in parse(client.get("/console/qa").text).find("nav").find_all("a")]
    assert "QA" in nav and "Queue" not in nav and "Admin" not in nav and "Supervisor" not in nav
    answer = client.post(
        f"/console/qa/conversations/{cid}/override",
        data={"criterion": "no_blame", "status": "pass", "comment": "sarcasm misread",
              "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    with world.ctx.sessions() as session:
        (override,) = session.scalars(select(QaOverride))
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "qa.override")).one()
    assert override.status == "pass" and audit.actor == "user:quinn"
    assert parse(client.get("/console/qa/calibration").text).find("tr", data_criterion="no_blame")
    case = client.get(f"/console/conversations/{cid}", follow_redirects=False)
    assert case.headers["location"] == f"/console/qa/conversations/{cid}"  # no reply box


def test_qa_analyst_reads_the_analytics_of_their_team_only(
    client: TestClient, world: World
) -> None:
    _quinn(world, world.other_team.id)  # Quinn analyses the other team
    _scored(world)  # a conversation of the agent's team
    login(client, "quinn")
    page = parse(client.get("/console/qa/analytics?since=2026-01-01&until=2026-12-31").text)
    rows = page.find("table", data_chart_name="volume_by_channel").find_all("tr")[1:]
    assert [td.text for td in rows[0].find_all("td")] == ["No data in this period."]
    csv = client.get("/console/qa/analytics/agents.csv?since=2026-01-01&until=2026-12-31")
    assert csv.status_code == 200 and csv.text.strip().splitlines() == [
        "agent,scorecards,mean QA score,most failed"
    ]


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/console/conversations/{cid}/reply", {"text": "I am sorry."}),
        ("/console/conversations/{cid}/notes", {"text": "A note."}),
        ("/console/conversations/{cid}/resolve", {"outcome": "done"}),
        ("/console/conversations/{cid}/claim", {}),
        ("/console/customers/{customer}/standing", {"standing": "blocked", "reason": "abuse"}),
        ("/console/admin/users", {"username": "new", "password": PASSWORD, "role": "agent"}),
    ],
)
def test_qa_analyst_cannot_reply_assign_block_or_administer(
    client: TestClient, world: World, path: str, form: dict[str, str]
) -> None:
    _quinn(world)
    cid = _scored(world)
    csrf = login(client, "quinn")
    with world.ctx.sessions() as session:
        turns = session.scalar(select(func.count()).select_from(Turn))
    url = path.format(cid=cid, customer=world.calm_customer.id)
    answer = client.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 403
    assert "QA analyst" in parse(answer.text).text
    with world.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Turn)) == turns
        row = session.get(Conversation, cid)
        assert row is not None and row.status.value == "resolved"


def test_qa_analyst_is_refused_by_the_actions_too(world: World) -> None:
    """Whatever calls them (a job, a script), the actions refuse an analyst's reply."""
    _quinn(world)
    c = world.open(world.calm_customer)
    with world.ctx.sessions() as session:
        from calmdesk.storage import User

        quinn = session.scalars(select(User).where(User.username == "quinn")).one()
        session.expunge(quinn)
    with pytest.raises(PermissionDenied):
        send_agent_reply(world.ctx, Actor.for_user(quinn), c.id, "Hello")


def test_qa_analyst_is_a_role_on_the_users_screen(client: TestClient, world: World) -> None:
    csrf = login(client, "ada")
    page = parse(client.get("/console/admin/users").text)
    offered = [o.attrs["value"] for o in page.by_id(f"role-{world.agent.id}").find_all("option")]
    assert "qa_analyst" in offered
    answer = client.post(
        f"/console/admin/users/{world.agent.id}/role",
        data={"csrf_token": csrf, "role": "qa_analyst", "team_id": str(world.team.id)},
    )
    assert answer.status_code == 200
    chosen = parse(answer.text).by_id(f"role-{world.agent.id}").find("option", selected="")
    assert chosen.attrs["value"] == "qa_analyst"


def test_qa_analyst_is_a_role_of_the_users_command(
    db_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from calmdesk.cli import app as cli

    monkeypatch.setenv("CALMDESK_DATABASE_URL", db_url)
    monkeypatch.setattr("calmdesk.actions.passwords._N", 2**8)
    made = CliRunner().invoke(
        cli, ["users", "create", "Quinn", "--role", "qa_analyst", "--password", PASSWORD]
    )
    assert made.exit_code == 0, made.output
    assert made.output.startswith("created qa_analyst quinn")
    bad = CliRunner().invoke(
        cli, ["users", "create", "x", "--role", "analyst", "--password", PASSWORD]
    )
    assert bad.exit_code == 2 and "qa_analyst" in bad.output
