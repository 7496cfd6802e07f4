"""`calmdesk users create` and `calmdesk tokens create`: the credentials the API accepts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.factories import CueAnalyzer
from typer.testing import CliRunner

from calmdesk.cli import app as cli
from calmdesk.config import Settings
from calmdesk.web import create_app

PASSWORD = "a long enough password"


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CALMDESK_DATABASE_URL", db_url)
    monkeypatch.setattr("calmdesk.actions.passwords._N", 2**8)
    return CliRunner()


def test_users_and_tokens_create_credentials_the_api_accepts(run: CliRunner, db_url: str) -> None:
    made = run.invoke(cli, ["users", "create", "Nia", "--role", "supervisor", "--team", "Returns",
                            "--password", PASSWORD])  # fmt: skip
    assert made.exit_code == 0, made.output
    token = run.invoke(cli, ["tokens", "create", "nia", "--name", "crm"])
    assert token.exit_code == 0 and token.output.startswith("cdk_")
    settings = Settings(database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, analyzer=CueAnalyzer())) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.output.strip()}"})
        login = client.post("/api/v1/login", json={"username": "nia", "password": PASSWORD})
    assert me.json()["user"]["role"] == "supervisor"
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "x", "--role", "boss", "--password", PASSWORD], "E104"),
        (["users", "create", "x", "--password", "short"], "E100"),
        (["tokens", "create", "nobody"], "E201"),
    ],
)
def test_users_and_tokens_bad_input_exits_2_with_a_coded_message(
    run: CliRunner, args: list[str], message: str
) -> None:
    result = run.invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
