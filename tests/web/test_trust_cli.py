"""The trust commands: users list|disable|passwd, tokens list|revoke, retention, erasure."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.factories import ADMIN, CueAnalyzer, World
from typer.testing import CliRunner

from calmdesk.actions import Actor, add_customer_turn, create_api_token
from calmdesk.cli import app as cli
from calmdesk.config import Settings
from calmdesk.storage import Customer
from calmdesk.web import create_app

NEW_PASSWORD = "a fresh long password"


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CALMDESK_DATABASE_URL", db_url)
    monkeypatch.setattr("calmdesk.actions.passwords._N", 2**8)
    return CliRunner()


def _app(db_url: str) -> TestClient:
    settings = Settings(database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    return TestClient(create_app(settings, analyzer=CueAnalyzer()))


def test_users_list_disable_and_passwd(run: CliRunner, world: World, db_url: str) -> None:
    listed = run.invoke(cli, ["users", "list"])
    assert listed.exit_code == 0
    rows = [line.split("\t") for line in listed.output.strip().splitlines()[1:]]
    assert ["cal", "agent", "Orders", "active"] == rows[[r[1] for r in rows].index("cal")][1:]
    token, _ = create_api_token(world.ctx, ADMIN, world.agent.id, "crm")
    changed = run.invoke(cli, ["users", "passwd", "cal", "--password", NEW_PASSWORD])
    assert changed.exit_code == 0, changed.output
    with _app(db_url) as client:
        assert (
            client.post(
                "/api/v1/login", json={"username": "cal", "password": NEW_PASSWORD}
            ).status_code
            == 200
        )
        assert client.get("/api/v1/me").status_code == 200
        disabled = run.invoke(cli, ["users", "disable", "cal", "--reason", "left"])
        assert disabled.exit_code == 0 and "disabled cal" in disabled.output
        assert client.get("/api/v1/me").status_code == 401  # the session ended
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=bearer).status_code == 401  # the token too
    after = run.invoke(cli, ["users", "list"]).output
    assert "\tcal\tagent\tOrders\tdisabled" in after
    missing = run.invoke(cli, ["users", "disable", "nobody"])
    assert missing.exit_code == 2 and missing.output.startswith("E201")


def test_tokens_list_and_revoke(run: CliRunner, world: World, db_url: str) -> None:
    token, row = create_api_token(world.ctx, ADMIN, world.agent.id, "crm")
    listed = run.invoke(cli, ["tokens", "list", "--user", "cal"])
    assert listed.exit_code == 0 and token not in listed.output
    line = listed.output.strip().splitlines()[1].split("\t")
    assert line[0] == str(row.id) and line[1:3] == ["cal", "crm"] and line[-1] == "active"
    assert run.invoke(cli, ["tokens", "revoke", str(row.id)]).exit_code == 0
    with _app(db_url) as client:
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )
    assert run.invoke(cli, ["tokens", "list"]).output.strip().splitlines()[1].endswith("revoked")
    assert run.invoke(cli, ["tokens", "revoke", "999999"]).exit_code == 2


def test_retention_run_and_customers_erase(run: CliRunner, world: World) -> None:
    conv = world.open(world.angry_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.angry_customer.id), conv.id, "Hi")
    assert run.invoke(cli, ["retention", "run"]).output.strip() == "anonymised 0, deleted 0"
    erased = run.invoke(cli, ["customers", "erase", str(world.angry_customer.id)])
    assert erased.exit_code == 0 and "1 conversations" in erased.output
    with world.ctx.sessions() as session:
        assert session.get(Customer, world.angry_customer.id).name.startswith("Erased")  # type: ignore[union-attr]


def test_users_and_tokens_list_fit_80_columns_on_a_terminal(
    run: CliRunner, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calmdesk.cli import trust_cmds

    create_api_token(world.ctx, ADMIN, world.agent.id, "a rather long integration token name")
    monkeypatch.setattr(trust_cmds, "_terminal", lambda: True)
    for args, headers in (
        (["users", "list"], ["id", "username", "role", "team", "state"]),
        (["tokens", "list"], ["id", "user", "name", "prefix", "created", "last used", "state"]),
    ):
        out = run.invoke(cli, args, env={"COLUMNS": "80"})
        assert out.exit_code == 0, out.output
        lines = out.output.splitlines()
        assert all(len(line) <= 80 for line in lines), out.output
        header = next(line for line in lines if line.startswith("┃"))
        assert [c.strip() for c in header.strip("┃").split("┃")] == headers
        assert "\t" not in out.output and "+00:00" not in out.output
