"""The security review's findings (issue 9), each reproduced here and shown fixed.

Each test names its finding; each failed on the code before the fix (the review's reproduction).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect
from tests.factories import ADMIN, PASSWORD
from tests.web.conftest import SECRET, Scene
from tests.web.console_support import parse

from calmdesk.actions import create_customer, create_user
from calmdesk.actions.people import deactivate_user
from calmdesk.actions.sessions import issue_chat_token as record_chat_token
from calmdesk.config import Settings
from calmdesk.storage import ApiToken, Turn
from calmdesk.storage.trust import UserSession
from calmdesk.web.auth import SESSION_COOKIE, issue_chat_token
from calmdesk.web.logscrub import AccessLogScrub, scrub_path

V = "/api/v1"


def _login(client: TestClient, username: str = "cal", password: str = PASSWORD) -> str:
    response = client.post(f"{V}/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


# --- High: cross-team customer profiles ---------------------------------------------------


def test_staff_cannot_open_a_case_for_another_teams_customer(
    client: TestClient, scene: Scene
) -> None:
    """Finding: `POST /conversations` took any customer_id; the caller then read the profile."""
    body = {"customer_id": scene.conv_b.customer_id, "channel": "chat"}
    refused = client.post(f"{V}/conversations", json=body, headers=scene.as_("other_agent"))
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "E201"
    assert "Gail" not in refused.text
    profile = client.get(
        f"{V}/customers/{scene.conv_b.customer_id}", headers=scene.as_("other_agent")
    )
    assert profile.status_code == 404  # still invisible afterwards: no case was opened
    ok = client.post(f"{V}/conversations", json=body, headers=scene.as_("agent"))
    assert ok.status_code == 201 and ok.json()["chat_token"]


def test_a_customer_without_any_case_is_opened_by_an_admin_only(
    client: TestClient, scene: Scene
) -> None:
    fresh = create_customer(scene.world.ctx, ADMIN, name="New Person", email="new@example.org")
    body = {"customer_id": fresh.id, "channel": "email"}
    assert (
        client.post(f"{V}/conversations", json=body, headers=scene.as_("agent")).status_code == 404
    )
    assert (
        client.post(f"{V}/conversations", json=body, headers=scene.as_("admin")).status_code == 201
    )


# --- sessions ---------------------------------------------------------------------------------


def test_logout_revokes_the_server_side_session(client: TestClient, scene: Scene) -> None:
    """Finding: sessions were stateless; a copied cookie survived logout."""
    csrf = _login(client)
    stolen = client.cookies.get(SESSION_COOKIE)
    assert client.post(f"{V}/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set(SESSION_COOKIE, stolen or "")
    assert client.get(f"{V}/me").status_code == 401


def test_password_change_ends_the_other_sessions(app: FastAPI, scene: Scene) -> None:
    with TestClient(app) as laptop, TestClient(app) as phone:
        csrf = _login(laptop)
        _login(phone)
        body = {"current_password": PASSWORD, "new_password": "another long password"}
        changed = laptop.post(f"{V}/me/password", json=body, headers={"X-CSRF-Token": csrf})
        assert changed.status_code == 204
        assert laptop.get(f"{V}/me").status_code == 200  # the session it was changed from
        assert phone.get(f"{V}/me").status_code == 401
    wrong = {"current_password": "not it at all", "new_password": "x" * 12}
    assert (
        TestClient(app).post(f"{V}/me/password", json=wrong, headers=scene.as_("agent")).status_code
        == 403
    )


def test_deactivation_ends_sessions_and_tokens(client: TestClient, scene: Scene) -> None:
    _login(client)
    assert client.get(f"{V}/me").status_code == 200
    admin = scene.as_("admin")
    answer = client.post(f"{V}/users/{scene.world.agent.id}/deactivate", headers=admin, json={})
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    assert client.get(f"{V}/me").status_code == 401
    assert client.get(f"{V}/conversations", headers=scene.as_("agent")).status_code == 401
    client.cookies.clear()
    assert (
        client.post(f"{V}/login", json={"username": "cal", "password": PASSWORD}).status_code == 401
    )


def test_a_user_lists_and_revokes_their_sessions_and_an_admin_anyones(
    app: FastAPI, scene: Scene
) -> None:
    with TestClient(app) as one, TestClient(app) as two:
        csrf = _login(one)
        _login(two)
        listed = one.get(f"{V}/sessions").json()
        assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
        other = next(s for s in listed if not s["current"])
        deleted = one.delete(f"{V}/sessions/{other['id']}", headers={"X-CSRF-Token": csrf})
        assert deleted.status_code == 204
        assert two.get(f"{V}/me").status_code == 401
        mine = next(s for s in listed if s["current"])
        stranger = scene.as_("supervisor")
        assert one.delete(f"{V}/sessions/{mine['id']}", headers=stranger).status_code == 404
        everyone = one.get(
            f"{V}/sessions?user_id={scene.world.agent.id}", headers=scene.as_("admin")
        )
        assert {s["user_id"] for s in everyone.json()} == {scene.world.agent.id}
        assert (
            one.delete(f"{V}/sessions/{mine['id']}", headers=scene.as_("admin")).status_code == 204
        )
        assert one.get(f"{V}/me").status_code == 401


# --- API tokens and users -----------------------------------------------------------------------


def test_api_tokens_are_listed_with_last_use_and_revoked_at_once(
    client: TestClient, scene: Scene
) -> None:
    agent = scene.as_("agent")
    assert client.get(f"{V}/conversations", headers=agent).status_code == 200
    mine = client.get(f"{V}/tokens", headers=agent).json()
    assert len(mine) == 1 and mine[0]["last_used_at"] is not None
    assert "token_hash" not in mine[0] and mine[0]["prefix"].startswith("cdk_")
    team = client.get(f"{V}/tokens", headers=scene.as_("supervisor")).json()
    assert {t["user_id"] for t in team} == {
        scene.world.agent.id,
        scene.world.supervisor.id,
        scene.world.admin.id,
    }
    token_id = mine[0]["id"]
    assert (
        client.delete(f"{V}/tokens/{token_id}", headers=scene.as_("supervisor")).status_code == 403
    )
    assert (
        client.delete(f"{V}/tokens/{token_id}", headers=scene.as_("other_agent")).status_code == 404
    )
    assert client.delete(f"{V}/tokens/{token_id}", headers=agent).status_code == 204
    assert client.get(f"{V}/conversations", headers=agent).status_code == 401


def test_users_are_created_and_listed_by_role(client: TestClient, scene: Scene) -> None:
    body = {
        "username": "dee",
        "password": PASSWORD,
        "role": "agent",
        "team_id": scene.world.team.id,
    }
    created = client.post(f"{V}/users", json=body, headers=scene.as_("admin"))
    assert created.status_code == 201 and created.json()["username"] == "dee"
    again = client.post(f"{V}/users", json=body, headers=scene.as_("admin"))
    assert again.status_code == 409
    team = client.get(f"{V}/users", headers=scene.as_("supervisor")).json()
    assert "dee" in {u["username"] for u in team} and "bea" not in {u["username"] for u in team}
    assert client.get(f"{V}/users", headers=scene.as_("agent")).status_code == 403


# --- chat tokens --------------------------------------------------------------------------------


def test_chat_tokens_expire(app: FastAPI, scene: Scene, settings: Settings) -> None:
    """Finding: chat tokens never expired."""
    short = settings.model_copy(update={"chat_token_ttl_s": 1})
    token = issue_chat_token(short, scene.conv_a.id, scene.conv_a.customer_id)
    import time

    time.sleep(2.1)  # itsdangerous timestamps have whole seconds
    from tests.factories import CueAnalyzer

    from calmdesk.web import create_app

    with TestClient(create_app(short, analyzer=CueAnalyzer())) as client:
        answer = client.get(f"{V}/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_staff_revoke_every_chat_link_of_a_conversation(client: TestClient, scene: Scene) -> None:
    """Finding: chat tokens could not be revoked."""
    customer = scene.as_("customer_a")
    assert client.get(f"{V}/me", headers=customer).status_code == 200
    fresh, _ = record_chat_token(scene.world.ctx, ADMIN, scene.conv_a.id)
    revoked = client.post(
        f"{V}/conversations/{scene.conv_a.id}/chat-tokens/revoke", headers=scene.as_("agent")
    )
    assert revoked.status_code == 200 and revoked.json()["revoked"] == 1
    assert client.get(f"{V}/me", headers=customer).status_code == 401  # unrecorded, older
    assert client.get(f"{V}/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    issued = client.post(
        f"{V}/conversations/{scene.conv_a.id}/chat-token", headers=scene.as_("agent")
    )
    new = {"Authorization": f"Bearer {issued.json()['chat_token']}"}
    assert client.get(f"{V}/me", headers=new).json()["conversation_id"] == scene.conv_a.id


def test_a_customer_rotates_their_chat_token(client: TestClient, scene: Scene) -> None:
    old = scene.as_("customer_a")
    rotated = client.post(f"{V}/chat/token/rotate", headers=old)
    assert rotated.status_code == 200
    new = {"Authorization": f"Bearer {rotated.json()['chat_token']}"}
    assert client.get(f"{V}/me", headers=old).status_code == 401
    assert client.get(f"{V}/me", headers=new).status_code == 200


def test_chat_tokens_are_kept_out_of_the_access_log() -> None:
    """Finding: the access log printed chat tokens in full."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/chat/eyJ2IjoiMSJ9.abc.def/ws?after=3&token=secret", "1.1", 101),
        None,
    )  # fmt: skip
    AccessLogScrub().filter(record)
    line = record.getMessage()
    assert "eyJ2" not in line and "secret" not in line and "/chat/[redacted]/ws" in line
    assert scrub_path("/api/v1/conversations/3") == "/api/v1/conversations/3"


class _FrozenTime:
    """The limiter's clock held still, so a window boundary never falls inside a test."""

    @staticmethod
    def time() -> float:
        return 1_800_000_030.0


def test_a_chat_token_cannot_flood_but_an_integration_can_post_fast(
    client: TestClient, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding: one chat token posted 150 turns in 8 s, each analysed."""
    monkeypatch.setattr("calmdesk.web.ratelimit.time", _FrozenTime)
    url = f"{V}/conversations/{scene.conv_a.id}/turns"
    codes = [
        client.post(url, json={"text": f"hello {n}"}, headers=scene.as_("customer_a")).status_code
        for n in range(32)
    ]
    assert codes == [201] * 30 + [429] * 2  # the default limit: 30 a minute per chat token
    refused = client.post(url, json={"text": "more"}, headers=scene.as_("customer_a"))
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "E700"
    assert "at most 30 a minute" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1
    integration = scene.as_("admin")
    posted = [
        client.post(url, json={"text": f"synced {n}"}, headers=integration).status_code
        for n in range(100)
    ]
    assert posted == [201] * 100


# --- X-Forwarded-For ------------------------------------------------------------------------------


def test_forwarded_for_is_only_believed_from_configured_proxies(settings: Settings) -> None:
    """Finding: `X-Forwarded-For` from localhost bypassed the per-address limit."""
    from calmdesk.web.ratelimit import TrustedProxies

    none = TrustedProxies("")
    assert none.client("127.0.0.1", ["6.6.6.6"]) == "127.0.0.1"
    proxy = TrustedProxies("10.0.0.0/8, 127.0.0.1")
    assert proxy.client("127.0.0.1", ["6.6.6.6, 10.1.1.1"]) == "6.6.6.6"
    assert proxy.client("203.0.113.5", ["6.6.6.6"]) == "203.0.113.5"
    assert proxy.client("127.0.0.1", ["not-an-ip"]) == "127.0.0.1"


def test_spoofed_forwarded_for_does_not_escape_the_login_throttle(
    app: FastAPI, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("calmdesk.web.ratelimit.time", _FrozenTime)
    wrong = {"username": "cal", "password": "nope nope"}
    with TestClient(app, client=("127.0.0.1", 4000)) as local:
        codes = [
            local.post(
                f"{V}/login", json=wrong, headers={"X-Forwarded-For": f"10.9.9.{n}"}
            ).status_code
            for n in range(5)
        ]
    assert codes[:3] == [401] * 3 and codes[3:] == [429, 429]


# --- escalation targets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "status"),
    [("agent", 400), ("other_agent", 400), ("supervisor", 201), ("admin", 201)],
)
def test_an_agent_escalates_only_to_eligible_people(
    client: TestClient, scene: Scene, target: str, status: int
) -> None:
    """Finding: an agent could escalate to anyone, in any team, including themselves."""
    who = {"agent": scene.world.agent, "other_agent": scene.world.other_agent,
           "supervisor": scene.world.supervisor, "admin": scene.world.admin}[target]  # fmt: skip
    body = {"reason": "Needs a decision.", "to_user_id": who.id}
    answer = client.post(
        f"{V}/conversations/{scene.conv_a.id}/escalate", json=body, headers=scene.as_("agent")
    )
    assert answer.status_code == status, answer.text
    if status == 400:
        assert answer.json()["error"]["code"] == "E701"


def test_escalating_to_another_teams_supervisor_is_refused(
    client: TestClient, scene: Scene
) -> None:
    boss = create_user(
        scene.world.ctx, ADMIN, username="bob", password=PASSWORD, role="supervisor",
        team_id=scene.world.other_team.id,
    )  # fmt: skip
    url = f"{V}/conversations/{scene.conv_a.id}/escalate"
    body = {"reason": "Billing question.", "to_user_id": boss.id}
    assert client.post(url, json=body, headers=scene.as_("agent")).status_code == 400
    body["to_team_id"] = scene.world.other_team.id  # handing it to that team: their supervisor
    assert client.post(url, json=body, headers=scene.as_("agent")).status_code == 201


# --- login timing ---------------------------------------------------------------------------------


def test_an_unknown_username_checks_a_password_hash_too(
    monkeypatch: pytest.MonkeyPatch, scene: Scene
) -> None:
    """Finding: unknown usernames were refused in 3 ms, wrong passwords in 54 ms."""
    from calmdesk.actions import people
    from calmdesk.actions.passwords import verify_password

    calls: list[str] = []

    def counting(password: str, encoded: str) -> bool:
        calls.append(encoded)
        return verify_password(password, encoded)

    monkeypatch.setattr(people, "verify_password", counting)
    for name in ("nobody-here", "cal"):
        with pytest.raises(Exception, match="Unknown username or wrong password"):
            people.authenticate(scene.world.ctx, name, "wrong password")
    assert len(calls) == 2 and all(c.startswith("scrypt$") for c in calls)


# --- huge ids, extreme dates ----------------------------------------------------------------------


@pytest.mark.parametrize("ident", ["99999999999999999999", "2147483648", "0"])
def test_console_pages_answer_404_for_impossible_ids(
    client: TestClient, scene: Scene, ident: str
) -> None:
    """Finding: huge integer ids made console routes answer 500."""
    _login(client)
    for path in (f"/console/conversations/{ident}", f"/console/conversations/{ident}/transcript"):
        answer = client.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert "<html" in answer.text.lower()


@pytest.mark.parametrize(
    "due", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2500-01-01T00:00:00+00:00"]
)
def test_extreme_dates_are_refused_with_422(client: TestClient, scene: Scene, due: str) -> None:
    """Finding: extreme dates answered 500."""
    answer = client.post(
        f"{V}/conversations/{scene.conv_a.id}/follow-ups", json={"due_at": due},
        headers=scene.as_("agent"),
    )  # fmt: skip
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "E103"


# --- idempotency per author -----------------------------------------------------------------------


def test_one_authors_idempotency_key_never_swallows_anothers_turn(
    client: TestClient, scene: Scene
) -> None:
    """Finding: an idempotency key from one author could swallow another author's turn."""
    url = f"{V}/conversations/{scene.conv_a.id}/turns"
    key = {"Idempotency-Key": "msg-1"}
    first = client.post(
        url, json={"text": "From the customer"}, headers=scene.as_("customer_a") | key
    )
    second = client.post(url, json={"text": "Recorded by staff"}, headers=scene.as_("agent") | key)
    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["turn"]["text"] == "Recorded by staff"
    replay = client.post(
        url, json={"text": "From the customer"}, headers=scene.as_("customer_a") | key
    )
    assert replay.status_code == 200 and replay.json()["turn"]["id"] == first.json()["turn"]["id"]


# --- websockets after access is lost --------------------------------------------------------------


def test_an_open_chat_socket_stops_receiving_once_its_token_is_revoked(
    client: TestClient, scene: Scene, settings: Settings
) -> None:
    """Finding: open websockets kept receiving after access was lost."""
    conv = scene.conv_a
    token = issue_chat_token(settings, conv.id, conv.customer_id)
    with client.websocket_connect(f"/chat/{token}/ws?after=999999") as ws:
        revoked = client.post(
            f"{V}/conversations/{conv.id}/chat-tokens/revoke", headers=scene.as_("agent")
        )
        assert revoked.status_code == 200
        posted = client.post(  # through the app, so its live feed publishes it
            f"{V}/conversations/{conv.id}/replies",
            json={"text": "Secret"},
            headers=scene.as_("admin"),
        )
        assert posted.status_code == 201
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                frame = ws.receive_json()
                assert frame.get("text") != "Secret"
        assert closed.value.code == 4401


def test_an_agent_socket_closes_when_the_agent_is_deactivated(
    client: TestClient, scene: Scene
) -> None:
    _login(client)
    conv = scene.conv_a
    with client.websocket_connect(f"/console/conversations/{conv.id}/ws?after=999999") as ws:
        deactivate_user(scene.world.ctx, ADMIN, scene.world.agent.id, "left the company")
        posted = client.post(
            f"{V}/conversations/{conv.id}/replies",
            json={"text": "Hidden"},
            headers=scene.as_("admin"),
        )
        assert posted.status_code == 201
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                assert ws.receive_json().get("text") != "Hidden"
        assert closed.value.code == 4401


# --- export headers, chat link, console UTF-8 -----------------------------------------------------


def test_export_html_has_the_security_headers(client: TestClient, scene: Scene) -> None:
    """Finding: export.html lacked the security headers."""
    answer = client.get(
        f"{V}/conversations/{scene.conv_a.id}/export.html", headers=scene.as_("agent")
    )
    assert answer.status_code == 200
    csp = answer.headers["content-security-policy"]
    assert (
        "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    )
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def test_the_chat_link_comes_from_the_configured_base_url(app: FastAPI, scene: Scene) -> None:
    """Finding: the chat link was built from the request's Host header."""
    app.state.settings.public_base_url = "https://help.example.com"
    with TestClient(app, base_url="http://evil.example") as client:
        _login(client)
        page = parse(client.get(f"/console/conversations/{scene.conv_a.id}").text)
    links = [n.attrs.get("href", "") for n in page.find_all("a")] + [
        n.attrs.get("value", "") for n in page.find_all("input")
    ]
    chat = [x for x in links if "/chat/" in x]
    assert chat and all(x.startswith("https://help.example.com/chat/") for x in chat)


def test_console_forms_refuse_invalid_utf8_like_the_api(client: TestClient, scene: Scene) -> None:
    """Finding: console forms accepted invalid UTF-8 that the API refused."""
    csrf = _login(client)
    url = f"/console/conversations/{scene.conv_a.id}/notes"
    body = b"text=bad%FF%FEbytes&csrf_token=" + csrf.encode()
    answer = client.post(url, content=body, headers={
        "content-type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf})  # fmt: skip
    assert answer.status_code == 400 and "UTF-8" in answer.text
    assert "text/html" in answer.headers["content-type"]
    with scene.world.ctx.sessions() as session:
        assert not [t for t in session.scalars(select(Turn.text)) if "\ufffd" in t]


def test_sessions_table_never_holds_the_cookie_secret(client: TestClient, scene: Scene) -> None:
    _login(client)
    cookie = client.cookies.get(SESSION_COOKIE) or ""
    with scene.world.ctx.sessions() as session:
        rows = list(session.scalars(select(UserSession)))
        tokens = list(session.scalars(select(ApiToken.token_hash)))
    assert rows and all(r.token_hash not in cookie and len(r.token_hash) == 64 for r in rows)
    assert all(len(t) == 64 for t in tokens)
    assert rows[0].expires_at - rows[0].created_at == timedelta(
        seconds=Settings(_env_file=None, secret_key=SECRET).session_max_age_s
    )  # type: ignore[call-arg]
