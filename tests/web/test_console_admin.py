"""Admin screens for people (users, API tokens, sessions) and every user's account page,
through the real app: pages parsed, one-time secrets shown once, refusals beside the form."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import ADMIN, PASSWORD
from tests.web.console_support import Node, db_url, login, parse  # noqa: F401

from calmdesk.actions import admin as admin_actions
from calmdesk.actions import create_api_token
from calmdesk.domain.admin_errors import LastActiveAdmin
from calmdesk.storage import AuditEntry, User

XSS = '<script>window.__xss=1</script>"><img src=x onerror=alert(1)>'
ADMIN_PAGES = [
    "/console/admin",
    "/console/admin/users",
    "/console/admin/tokens",
    "/console/admin/sessions",
]


def _row(page: Node, username: str) -> Node:
    return page.find("tr", **{"data-user": username})


def _field(row: Node, name: str) -> str:
    return row.find("td", **{"data-field": name}).text.strip()


def _audits(world, action: str) -> list[AuditEntry]:
    with world.ctx.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _user(world, username: str) -> User:
    with world.ctx.sessions() as session:
        row = session.scalars(select(User).where(User.username == username)).one()
        session.expunge(row)
        return row


def _other_browser(app, username: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    browser = TestClient(app)
    return browser, login(browser, username, password)


def _logged_in(browser: TestClient) -> bool:
    answer = browser.get("/console", follow_redirects=False)
    return answer.status_code == 200


# --- who may see what ----------------------------------------------------------------------


def test_agents_are_refused_every_admin_page_and_form(client, world) -> None:
    csrf = login(client, "cal")
    for path in ADMIN_PAGES:
        assert client.get(path, follow_redirects=False).status_code == 403, path
    posts = [
        "/console/admin/users",
        f"/console/admin/users/{world.agent.id}/role",
        f"/console/admin/users/{world.other_agent.id}/deactivate",
        f"/console/admin/users/{world.other_agent.id}/password",
        "/console/admin/tokens",
        "/console/admin/sessions/revoke-all",
    ]
    for path in posts:
        data = {"csrf_token": csrf, "username": "mallory", "role": "admin", "reason": "x"}
        assert client.post(path, data=data, follow_redirects=False).status_code == 403, path
    assert _user(world, "cal").role.value == "agent" and _user(world, "bea").is_active
    page = parse(client.get("/console").text)
    links = {a.text.strip() for a in page.find("nav", **{"aria-label": "Console"}).find_all("a")}
    assert "Account" in links and "Admin" not in links


def test_supervisors_see_their_own_team_read_only(client, world) -> None:
    csrf = login(client, "sam")
    page = parse(client.get("/console/admin/users").text)
    shown = {
        tr.attrs["data-user"]
        for tr in page.by_id("users").find_all("tr")
        if "data-user" in tr.attrs
    }
    assert shown == {"ada", "sam", "cal"}  # not bea, of the other team
    assert not page.find_all("form", action="/console/admin/users")
    assert not page.find_all("details")
    tokens = parse(client.get("/console/admin/tokens").text)
    assert not tokens.find_all(None, id="create-token")
    assert client.get("/console/admin/sessions").status_code == 403
    data = {"csrf_token": csrf, "username": "newbie", "role": "agent"}
    assert client.post("/console/admin/users", data=data).status_code == 403
    with world.ctx.sessions() as session:
        assert session.scalars(select(User).where(User.username == "newbie")).first() is None


def test_admin_nav_link_and_anonymous_browsers_go_to_login(client, world) -> None:
    answer = client.get("/console/admin/users", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")
    login(client, "ada")
    page = parse(client.get("/console/admin/users").text)
    link = page.find("a", href="/console/admin/users")
    assert link.text.strip() == "Admin" and link.attrs.get("aria-current") == "page"


def test_forms_without_the_csrf_token_change_nothing(client, world) -> None:
    login(client, "ada")
    answer = client.post("/console/admin/users", data={"username": "eve", "role": "admin"})
    assert answer.status_code == 403
    answer = client.post(f"/console/admin/users/{world.agent.id}/deactivate", data={"reason": "x"})
    assert answer.status_code == 403
    assert _user(world, "cal").is_active and not _audits(world, "user.deactivated")


# --- users ---------------------------------------------------------------------------------


def test_admin_lists_everyone_with_team_state_last_login_and_sessions(client, app, world) -> None:
    _other_browser(app, "cal")
    login(client, "ada")
    page = parse(client.get("/console/admin/users").text)
    cal, bea = _row(page, "cal"), _row(page, "bea")
    assert (_field(cal, "role"), _field(cal, "team"), _field(cal, "active")) == (
        "agent",
        "Orders",
        "active",
    )
    assert _field(cal, "sessions") == "1" and _field(cal, "last-login") != "never"
    assert _field(bea, "team") == "Billing" and _field(bea, "last-login") == "never"
    assert _field(bea, "sessions") == "0"


def test_create_with_a_one_time_password_shown_once(client, app, world) -> None:
    csrf = login(client, "ada")
    data = {
        "csrf_token": csrf,
        "username": "dee",
        "display_name": "Dee Lane",
        "role": "agent",
        "team_id": str(world.other_team.id),
        "password": "",
    }
    answer = client.post("/console/admin/users", data=data)
    assert answer.status_code == 200
    page = parse(answer.text)
    secret = page.by_id("secret-value").text.strip()
    assert len(secret) >= 16 and "dee" in page.by_id("secret-title").text
    assert _field(_row(page, "dee"), "team") == "Billing"
    again = client.get("/console/admin/users")
    assert secret not in again.text and not parse(again.text).find_all(None, id="one-time-secret")
    assert answer.headers["cache-control"] == "no-store"
    browser, _ = _other_browser(app, "dee", secret)
    assert _logged_in(browser)
    created = _audits(world, "user.created")[-1]
    assert created.actor == "user:ada" and secret not in str(created.after)


def test_create_with_a_chosen_password_shows_no_secret(client, app, world) -> None:
    csrf = login(client, "ada")
    data = {
        "csrf_token": csrf,
        "username": "Finn",
        "role": "supervisor",
        "team_id": str(world.team.id),
        "password": "finn-password-1",
    }
    page = parse(client.post("/console/admin/users", data=data).text)
    assert not page.find_all(None, id="one-time-secret")
    assert _field(_row(page, "finn"), "role") == "supervisor"
    assert _logged_in(_other_browser(app, "finn", "finn-password-1")[0])


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"username": "has space"}, 400, "letters, digits"),
        ({"username": ""}, 400, "letters, digits"),
        ({"username": "x" * 81}, 400, "1 to 80"),
        ({"username": "cal"}, 409, "taken"),
        ({"username": "gus", "team_id": "999"}, 400, "no such team"),
        ({"username": "gus", "team_id": "abc"}, 400, "no such team"),
        ({"username": "gus", "role": "root"}, 400, "not one of"),
        ({"username": "gus", "password": "short"}, 400, "8 characters"),
        ({"username": "gus", "display_name": "a\x00b"}, 400, "binary"),
    ],
)
def test_create_refusals_say_why_beside_the_form_and_keep_values(
    client, world, fields, status, says
) -> None:
    csrf = login(client, "ada")
    data = {"csrf_token": csrf, "role": "agent", "display_name": "Gus Grey", **fields}
    answer = client.post("/console/admin/users", data=data)
    assert answer.status_code == status
    page = parse(answer.text)
    assert says in page.by_id("create-error").text
    assert page.by_id("new-username").attrs["value"] == fields["username"]
    assert page.by_id("new-name").attrs["value"] == data["display_name"]
    assert not page.find_all(None, id="one-time-secret")
    with world.ctx.sessions() as session:
        assert session.scalars(select(User).where(User.username == "gus")).first() is None


def test_hostile_names_are_shown_as_text(client, world) -> None:
    csrf = login(client, "ada")
    data = {"csrf_token": csrf, "username": "hank", "display_name": XSS, "role": "agent"}
    page = parse(client.post("/console/admin/users", data=data).text)
    assert all("src" in s.attrs for s in page.find_all("script")) and not page.find_all("img")
    assert XSS in _row(page, "hank").text
    token_page = client.post(
        "/console/admin/tokens",
        data={"csrf_token": csrf, "user_id": str(world.agent.id), "name": XSS},
    )
    tree = parse(token_page.text)
    assert not tree.find_all("img") and XSS in tree.by_id("tokens").text


def test_change_role_and_team(client, world) -> None:
    csrf = login(client, "ada")
    data = {"csrf_token": csrf, "role": "supervisor", "team_id": str(world.other_team.id)}
    answer = client.post(
        f"/console/admin/users/{world.agent.id}/role", data=data, follow_redirects=False
    )
    assert answer.status_code == 303
    page = parse(client.get(answer.headers["location"]).text)
    assert page.by_id("admin-flash").text.strip() == "Role and team saved."
    cal = _row(page, "cal")
    assert (_field(cal, "role"), _field(cal, "team")) == ("supervisor", "Billing")
    audit = _audits(world, "user.role_changed")[-1]
    assert audit.before == {"role": "agent", "team_id": world.team.id}
    assert audit.after == {"role": "supervisor", "team_id": world.other_team.id}


def test_a_refused_role_change_says_why_in_the_row_and_keeps_the_choice(client, world) -> None:
    csrf = login(client, "ada")
    data = {"csrf_token": csrf, "role": "supervisor", "team_id": "12345"}
    answer = client.post(f"/console/admin/users/{world.agent.id}/role", data=data)
    assert answer.status_code == 400
    page = parse(answer.text)
    assert "no such team" in page.by_id(f"user-{world.agent.id}-error").text
    chosen = page.by_id(f"role-{world.agent.id}").find("option", selected="")
    assert chosen.attrs["value"] == "supervisor"
    assert _user(world, "cal").role.value == "agent"


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, world) -> None:
    csrf = login(client, "ada")
    me = world.admin.id
    answer = client.post(
        f"/console/admin/users/{me}/role",
        data={"csrf_token": csrf, "role": "agent", "team_id": str(world.team.id)},
    )
    assert answer.status_code == 409
    assert "last active admin" in parse(answer.text).by_id(f"user-{me}-error").text
    assert _user(world, "ada").role.value == "admin"
    assert not parse(client.get("/console/admin/users").text).find_all(
        "form", action=f"/console/admin/users/{me}/deactivate"
    )  # no deactivate form for yourself
    own = client.post(
        f"/console/admin/users/{me}/deactivate", data={"csrf_token": csrf, "reason": "leaving"}
    )
    assert own.status_code == 409 and "yourself" in parse(own.text).by_id(f"user-{me}-error").text
    with pytest.raises(LastActiveAdmin):  # the CLI's system actor is held to it too
        admin_actions.deactivate(world.ctx, ADMIN, me, "no admins left")
    assert _user(world, "ada").is_active


def test_with_a_second_admin_the_first_may_be_demoted(client, world) -> None:
    csrf = login(client, "ada")
    admin_actions.change_role(world.ctx, ADMIN, world.supervisor.id, "admin", world.team.id)
    answer = client.post(
        f"/console/admin/users/{world.admin.id}/role",
        data={"csrf_token": csrf, "role": "supervisor", "team_id": str(world.team.id)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and _user(world, "ada").role.value == "supervisor"
    assert client.get("/console/admin/users").status_code == 200  # read-only now
    assert client.get("/console/admin/sessions").status_code == 403


def test_deactivating_needs_a_reason_then_ends_sessions_and_tokens(client, app, world) -> None:
    browser, _ = _other_browser(app, "cal")
    token, _ = create_api_token(world.ctx, ADMIN, world.agent.id, "crm")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tokens", headers=bearer).status_code == 200
    csrf = login(client, "ada")
    url = f"/console/admin/users/{world.agent.id}/deactivate"
    empty = client.post(url, data={"csrf_token": csrf, "reason": "  "})
    assert empty.status_code == 400
    assert "reason is empty" in parse(empty.text).by_id(f"user-{world.agent.id}-error").text
    assert _logged_in(browser)
    answer = client.post(
        url, data={"csrf_token": csrf, "reason": "left the company"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert not _logged_in(browser)
    assert client.get("/api/v1/tokens", headers=bearer).status_code == 401
    page = parse(client.get(answer.headers["location"]).text)
    assert _field(_row(page, "cal"), "active") == "deactivated"
    audit = _audits(world, "user.deactivated")[-1]
    assert audit.actor == "user:ada" and audit.after["tokens_revoked"] == 1
    assert audit.after["sessions_ended"] == 1
    again = client.post(url, data={"csrf_token": csrf, "reason": "twice"})
    assert again.status_code == 409


def test_reset_password_shows_it_once_and_ends_their_sessions(client, app, world) -> None:
    browser, _ = _other_browser(app, "cal")
    csrf = login(client, "ada")
    answer = client.post(
        f"/console/admin/users/{world.agent.id}/password", data={"csrf_token": csrf}
    )
    assert answer.status_code == 200
    secret = parse(answer.text).by_id("secret-value").text.strip()
    assert not _logged_in(browser)
    assert secret not in client.get("/console/admin/users").text
    assert _logged_in(_other_browser(app, "cal", secret)[0])
    old = TestClient(app)
    form = parse(old.get("/console/login").text).find("input", name="csrf_token").attrs["value"]
    refused = old.post(
        "/console/login",
        data={"username": "cal", "password": PASSWORD, "csrf_token": form},
        follow_redirects=False,
    )
    assert refused.status_code == 401
    assert _audits(world, "user.password_changed")[-1].actor == "user:ada"
    own = client.post(f"/console/admin/users/{world.admin.id}/password", data={"csrf_token": csrf})
    assert own.status_code == 409 and "Account page" in own.text


def test_impossible_user_ids_are_not_found(client, world) -> None:
    csrf = login(client, "ada")
    for ident in ("999999", str(2**40)):
        answer = client.post(
            f"/console/admin/users/{ident}/role", data={"csrf_token": csrf, "role": "agent"}
        )
        assert answer.status_code in (400, 404)
        assert "Traceback" not in answer.text
    assert client.get(f"/console/admin/sessions?user_id={2**40}").status_code == 404


# --- API tokens ----------------------------------------------------------------------------


def test_tokens_created_shown_once_listed_and_revoked(client, world) -> None:
    csrf = login(client, "ada")
    answer = client.post(
        "/console/admin/tokens",
        data={"csrf_token": csrf, "user_id": str(world.agent.id), "name": "helpdesk sync"},
    )
    assert answer.status_code == 200
    page = parse(answer.text)
    secret = page.by_id("secret-value").text.strip()
    assert secret.startswith("cdk_")
    row = page.find("tr", **{"data-token": secret[:10]})
    assert "helpdesk sync" in row.text and "Cal" in row.text
    assert row.find("td", **{"data-field": "last-used"}).text.strip() == "never"
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/tokens", headers=bearer).status_code == 200
    listing = client.get("/console/admin/tokens")
    assert secret not in listing.text
    used = parse(listing.text).find("tr", **{"data-token": secret[:10]})
    assert used.find("td", **{"data-field": "last-used"}).text.strip() != "never"
    token_id = used.attrs["id"].removeprefix("token-")
    revoked = client.post(
        f"/console/admin/tokens/{token_id}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    after = parse(client.get(revoked.headers["location"]).text)
    assert after.find("tr", **{"data-token": secret[:10]}).attrs["data-revoked"] == "yes"
    assert client.get("/api/v1/tokens", headers=bearer).status_code == 401
    assert _audits(world, "api_token.revoked")[-1].actor == "user:ada"


@pytest.mark.parametrize(
    ("owner", "name", "status", "says"),
    [
        ("cal", "  ", 400, "token name is empty"),
        ("", "sync", 400, "Choose a person"),
        ("deactivated", "sync", 409, "deactivated"),
    ],
)
def test_token_refusals_keep_the_name(client, world, owner, name, status, says) -> None:
    if owner == "deactivated":
        admin_actions.deactivate(world.ctx, ADMIN, world.other_agent.id, "left")
    ids = {"cal": str(world.agent.id), "deactivated": str(world.other_agent.id), "": ""}
    csrf = login(client, "ada")
    answer = client.post(
        "/console/admin/tokens", data={"csrf_token": csrf, "user_id": ids[owner], "name": name}
    )
    assert answer.status_code == status
    page = parse(answer.text)
    assert says in page.by_id("token-error").text
    assert page.by_id("token-name").attrs["value"] == name
    assert not page.find_all(None, id="one-time-secret")


def test_supervisors_see_their_teams_tokens_only(client, world) -> None:
    create_api_token(world.ctx, ADMIN, world.agent.id, "orders bot")
    create_api_token(world.ctx, ADMIN, world.other_agent.id, "billing bot")
    login(client, "sam")
    page = parse(client.get("/console/admin/tokens").text)
    text = page.by_id("tokens").text
    assert "orders bot" in text and "billing bot" not in text
    assert not page.by_id("tokens").find_all("form")


# --- sessions ------------------------------------------------------------------------------


def test_admin_revokes_one_session_then_all(client, app, world) -> None:
    first, _ = _other_browser(app, "cal")
    second, _ = _other_browser(app, "cal")
    csrf = login(client, "ada")
    url = f"/console/admin/sessions?user_id={world.agent.id}"
    page = parse(client.get(url).text)
    live = page.find_all("tr", **{"data-live": "yes"})
    assert len(live) == 2
    newest = live[0].attrs["data-session"]
    answer = client.post(
        f"/console/admin/sessions/{newest}/revoke",
        data={"csrf_token": csrf, "back": "user"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith(url)
    assert not _logged_in(second) and _logged_in(first)
    everyone = parse(client.get("/console/admin/sessions").text)
    assert {s.attrs["data-user"] for s in everyone.find_all("section", **{"data-user": "cal"})} == {
        "cal"
    }
    client.post(
        "/console/admin/sessions/revoke-all",
        data={"csrf_token": csrf, "user_id": str(world.agent.id)},
    )
    assert not _logged_in(first) and _logged_in(client)
    assert not parse(client.get(url).text).find_all("tr", **{"data-live": "yes"})
    assert _audits(world, "session.revoked_all")[-1].actor == "user:ada"


# --- the account page ----------------------------------------------------------------------


def test_account_page_lists_and_revokes_ones_own_sessions(client, app, world) -> None:
    other, _ = _other_browser(app, "cal")
    admin_browser, _ = _other_browser(app, "ada")
    csrf = login(client, "cal")
    page = parse(client.get("/console/account").text)
    rows = page.by_id("my-sessions").find_all("tr", **{"data-live": "yes"})
    assert len(rows) == 2
    assert sum("this one" in r.text for r in rows) == 1
    not_me = next(r for r in rows if "this one" not in r.text).attrs["data-session"]
    with world.ctx.sessions() as session:
        from calmdesk.storage.trust import UserSession

        ada_session = session.scalars(
            select(UserSession.id).where(UserSession.user_id == world.admin.id)
        ).first()
    refused = client.post(
        f"/console/account/sessions/{ada_session}/revoke", data={"csrf_token": csrf}
    )
    assert refused.status_code == 404 and _logged_in(admin_browser)
    answer = client.post(
        f"/console/account/sessions/{not_me}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and not _logged_in(other) and _logged_in(client)


def test_logging_out_everywhere_else_keeps_this_session(client, app, world) -> None:
    other, _ = _other_browser(app, "cal")
    csrf = login(client, "cal")
    client.post("/console/account/sessions/revoke-others", data={"csrf_token": csrf})
    assert not _logged_in(other) and _logged_in(client)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "says"),
    [
        ("wrong password", "new-password-1", "new-password-1", "current password is wrong"),
        (PASSWORD, "new-password-1", "new-password-2", "differ"),
        (PASSWORD, "short", "short", "8 characters"),
    ],
)
def test_a_refused_password_change_says_why(client, world, current, new, confirm, says) -> None:
    csrf = login(client, "cal")
    answer = client.post(
        "/console/account/password",
        data={
            "csrf_token": csrf,
            "current_password": current,
            "new_password": new,
            "confirm_password": confirm,
        },
    )
    assert answer.status_code == 400
    assert says in parse(answer.text).by_id("password-error").text
    assert not _audits(world, "user.password_changed")


def test_changing_ones_password_ends_the_other_sessions(client, app, world) -> None:
    other, _ = _other_browser(app, "cal")
    csrf = login(client, "cal")
    answer = client.post(
        "/console/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "brand-new-pass",
            "confirm_password": "brand-new-pass",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = parse(client.get(answer.headers["location"]).text)
    assert "Password changed" in page.by_id("account-flash").text
    assert not _logged_in(other)
    assert _logged_in(_other_browser(app, "cal", "brand-new-pass")[0])


def test_revoking_this_session_logs_out(client, world) -> None:
    csrf = login(client, "cal")
    page = parse(client.get("/console/account").text)
    mine = next(r for r in page.find_all("tr", **{"data-live": "yes"}) if "this one" in r.text)
    answer = client.post(
        f"/console/account/sessions/{mine.attrs['data-session']}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/login"
    assert not _logged_in(client)


def test_forms_with_invalid_utf8_are_refused_and_create_nothing(client, world) -> None:
    csrf = login(client, "ada")
    body = b"username=bad%FF%FEname&role=agent&csrf_token=" + csrf.encode()
    answer = client.post(
        "/console/admin/users",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf},
    )
    assert 400 <= answer.status_code < 500 and "Traceback" not in answer.text
    with world.ctx.sessions() as session:
        assert len(session.scalars(select(User)).all()) == 4
