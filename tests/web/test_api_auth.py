"""Logging in, sessions, CSRF, API tokens and chat tokens."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Form
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import PASSWORD, CueAnalyzer
from tests.web.conftest import Scene

from calmdesk.config import Settings
from calmdesk.domain import TooManyAttempts
from calmdesk.storage import Note
from calmdesk.web import create_app
from calmdesk.web.auth import CSRF_HEADER, SESSION_COOKIE, issue_chat_token
from calmdesk.web.deps import CurrentUser
from calmdesk.web.ratelimit import LoginThrottle, MemoryStore

V = "/api/v1"


def _login(client: TestClient, username: str = "cal", password: str = PASSWORD) -> str:
    response = client.post(f"{V}/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    assert isinstance(token, str) and len(token) > 20
    return token


def _notes(scene: Scene) -> int:
    with scene.world.ctx.sessions() as session:
        return session.scalar(select(func.count(Note.id))) or 0


def test_login_sets_an_http_only_cookie_and_me_shows_the_user(
    client: TestClient, scene: Scene
) -> None:
    response = client.post(f"{V}/login", json={"username": "CAL", "password": PASSWORD})
    assert response.status_code == 200
    assert "httponly" in response.headers["set-cookie"].lower()
    me = client.get(f"{V}/me").json()
    assert me["kind"] == "user" and me["user"]["username"] == "cal"
    assert me["csrf_token"] == response.json()["csrf_token"]


@pytest.mark.parametrize(
    ("username", "password"), [("cal", "wrong password"), ("nobody", PASSWORD)]
)
def test_login_with_wrong_credentials_is_refused_without_a_cookie(
    client: TestClient, scene: Scene, username: str, password: str
) -> None:
    response = client.post(f"{V}/login", json={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "E302"
    assert SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 403), ({CSRF_HEADER: "not-the-token"}, 403), ("session", 201)],
)
def test_cookie_session_writes_need_the_csrf_token(
    client: TestClient, scene: Scene, headers: dict[str, str] | str, status: int
) -> None:
    token = _login(client)
    sent = {CSRF_HEADER: token} if headers == "session" else headers
    before = _notes(scene)
    response = client.post(
        f"{V}/conversations/{scene.conv_a.id}/notes", json={"text": "Called back."}, headers=sent
    )
    assert response.status_code == status
    assert _notes(scene) == before + (1 if status == 201 else 0)


def test_bearer_token_writes_need_no_csrf_token(client: TestClient, scene: Scene) -> None:
    url = f"{V}/conversations/{scene.conv_a.id}/notes"
    response = client.post(url, json={"text": "Integration note."}, headers=scene.as_("agent"))
    assert response.status_code == 201


def test_logout_ends_the_browser_session(client: TestClient, scene: Scene) -> None:
    token = _login(client)
    assert client.post(f"{V}/logout", headers={CSRF_HEADER: token}).status_code == 204
    assert client.get(f"{V}/me").status_code == 401


def test_tampered_session_cookies_are_anonymous(client: TestClient, scene: Scene) -> None:
    for cookie in ("garbage", "eyJ1IjoxfQ.tampered.signature", ""):
        client.cookies.set(SESSION_COOKIE, cookie)
        assert client.get(f"{V}/me").status_code == 401, cookie


def test_session_older_than_max_age_is_refused(settings: Settings, scene: Scene) -> None:
    expired = settings.model_copy(update={"session_max_age_s": -1})
    app = create_app(expired, analyzer=CueAnalyzer())
    with TestClient(app) as client:
        client.post(f"{V}/login", json={"username": "cal", "password": PASSWORD})
        assert client.get(f"{V}/me").status_code == 401


def test_unknown_or_malformed_credentials_are_refused(client: TestClient, scene: Scene) -> None:
    for header in ("Bearer cdk_unknown-token", "Bearer not.a.chat.token", "Bearer ", "Basic eDp5"):
        response = client.get(f"{V}/conversations", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "E302"


def test_chat_token_signed_with_another_key_is_refused(
    client: TestClient, scene: Scene, settings: Settings
) -> None:
    other = settings.model_copy(update={"secret_key": "some-other-installation-key"})
    token = issue_chat_token(other, scene.conv_a.id, scene.conv_a.customer_id)
    response = client.get(
        f"{V}/conversations/{scene.conv_a.id}/chat", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_chat_token_shows_the_customer_who_they_are(client: TestClient, scene: Scene) -> None:
    me = client.get(f"{V}/me", headers=scene.as_("customer_a")).json()
    assert me == {
        "kind": "customer",
        "user": None,
        "csrf_token": None,
        "customer_id": scene.conv_a.customer_id,
        "conversation_id": scene.conv_a.id,
    }


def _form_app(settings: Settings) -> FastAPI:
    app = create_app(settings, analyzer=CueAnalyzer())

    @app.post("/form-probe")
    def probe(user: CurrentUser, text: Annotated[str, Form()]) -> dict[str, str]:
        return {"user": user.username, "text": text}

    return app


@pytest.mark.parametrize(("send_token", "status"), [(True, 200), (False, 403)])
def test_csrf_token_is_accepted_in_a_form_field(
    settings: Settings, scene: Scene, send_token: bool, status: int
) -> None:
    with TestClient(_form_app(settings)) as client:
        token = _login(client)
        form = {"text": "hello", **({"csrf_token": token} if send_token else {})}
        response = client.post("/form-probe", data=form)
    assert response.status_code == status


def test_login_failures_slow_one_account_from_one_address_without_locking_the_user_out(
    app: FastAPI, scene: Scene
) -> None:
    """Finding: ten wrong passwords locked the real user out. Now failures delay only the
    account+address that failed, progressively; the user elsewhere logs in at once."""
    wrong = {"username": "cal", "password": "not the password"}
    with TestClient(app, client=("203.0.113.9", 5000)) as attacker:
        codes = [attacker.post(f"{V}/login", json=wrong).status_code for _ in range(3)]
        assert codes == [401, 401, 401]  # 3 free failures, then each attempt waits longer
        refused = attacker.post(f"{V}/login", json=wrong)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "E700"
        assert int(refused.headers["retry-after"]) >= 1
        blocked = attacker.post(f"{V}/login", json={"username": "cal", "password": PASSWORD})
        assert blocked.status_code == 429  # even the right password waits here
    with TestClient(app, client=("198.51.100.7", 5000)) as real_user:
        assert (
            real_user.post(f"{V}/login", json={"username": "cal", "password": PASSWORD}).status_code
            == 200
        )


def test_login_delays_grow_and_a_success_clears_them(settings: Settings) -> None:
    store = MemoryStore()
    throttle = LoginThrottle(settings, store)
    assert [throttle.delay_for(n) for n in (0, 2, 3, 4, 5, 20)] == [0, 0, 1, 2, 4, 900]
    for _ in range(3):
        throttle.check("a", "10.0.0.1")
        throttle.failed("a", "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        throttle.check("a", "10.0.0.1")
    throttle.check("a", "10.0.0.2")  # the same account elsewhere is not delayed
    throttle.succeeded("a", "10.0.0.1")
    throttle.check("a", "10.0.0.1")


def test_one_address_failing_across_many_accounts_is_capped(settings: Settings) -> None:
    throttle = LoginThrottle(settings.model_copy(update={"login_per_address": 3}), MemoryStore())
    for name in ("a", "b", "c"):
        throttle.check(name, "10.0.0.1")
        throttle.failed(name, "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        throttle.check("d", "10.0.0.1")
    throttle.check("d", "10.0.0.2")
