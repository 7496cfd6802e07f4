"""The console pages, rendered by the real app over the personas: login, queue, case, supervisor."""

from __future__ import annotations

import pytest
from tests.factories import CueAnalyzer
from tests.web.console_support import Node, db_url, htmx, login, parse  # noqa: F401

from calmdesk.actions import Actor, add_customer_turn, send_agent_reply
from calmdesk.web.pages import CSP

XSS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}} {% raw %}",
]


def _says(world, conversation, text: str) -> None:
    add_customer_turn(
        world.ctx, Actor.for_customer(conversation.customer_id), conversation.id, text
    )


def test_console_sends_anonymous_browsers_to_login(client) -> None:
    answer = client.get("/console/conversations/1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/conversations/1"


@pytest.mark.parametrize(
    ("password", "tamper", "status", "message"),
    [
        ("wrong password", False, 401, "Unknown username or wrong password."),
        (None, True, 400, "The form expired; try again."),
    ],
)
def test_console_login_refuses_bad_passwords_and_forged_forms(
    client, world, password, tamper, status, message
) -> None:
    form = parse(client.get("/console/login").text)
    token = form.find("input", name="csrf_token").attrs["value"]
    data = {"username": "cal", "password": password or "correct horse battery"}
    data["csrf_token"] = "forged" if tamper else token
    answer = client.post("/console/login", data=data, follow_redirects=False)
    assert answer.status_code == status
    assert parse(answer.text).find("p", role="alert").text.strip() == message
    assert "calmdesk_session" not in answer.cookies


def test_console_login_is_throttled_like_the_api(client, world) -> None:
    statuses = []
    for password in ["wrong"] * 3 + ["correct horse battery"]:
        form = parse(client.get("/console/login").text)
        data = {"username": "cal", "password": password}
        data["csrf_token"] = form.find("input", name="csrf_token").attrs["value"]
        statuses.append(client.post("/console/login", data=data, follow_redirects=False))
    assert [a.status_code for a in statuses] == [401] * 3 + [429]
    assert "Too many failed logins" in parse(statuses[-1].text).find("p", role="alert").text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/console/login"])
def test_console_login_never_redirects_off_the_console(client, world, target) -> None:
    form = parse(client.get("/console/login").text)
    data = {"username": "cal", "password": "correct horse battery", "next": target}
    data["csrf_token"] = form.find("input", name="csrf_token").attrs["value"]
    answer = client.post("/console/login", data=data, follow_redirects=False)
    assert answer.headers["location"] == "/console"


def test_console_queue_sorts_riskiest_first_with_mood_cause_and_wait(client, world) -> None:
    calm, angry = world.open(world.calm_customer), world.open(world.calm_customer)
    _says(world, calm, "Hello, could you check my account please?")
    _says(world, angry, "My order is late, this is ridiculous")
    login(client, "cal")
    page = parse(client.get("/console").text)
    rows = page.by_id("queue").find_all("tr", **{"data-conversation": str(angry.id)})
    order = [
        r.attrs["data-conversation"] for r in page.find_all("tr") if "data-conversation" in r.attrs
    ]
    assert order == [str(angry.id), str(calm.id)]
    cells = {td.attrs["data-label"]: td.text.strip() for td in rows[0].find_all("td")}
    assert "anger" in cells["Mood"] and "late or lost delivery" in cells["Cause"]
    assert cells["Waiting"].endswith(("min", "h", "d"))


def test_console_conversation_annotates_turns_and_explains_risk(client, world) -> None:
    conv = world.open(world.calm_customer)
    _says(world, conv, "My order is late")
    _says(world, conv, "Still late!! Get me your manager, this is unacceptable")
    login(client, "sam")  # the manager request escalated it to the supervisor
    page = parse(client.get(f"/console/conversations/{conv.id}").text)
    last = page.by_id("transcript").find_all("li", class_="turn--customer")[-1]
    assert "asks: supervisor" in last.text
    assert last.find("mark", class_="mention").text == "manager"
    assert page.by_id("risk-reasons").text.strip() == "upset is rising"
    assert len(page.by_id("insight").find("svg").find_all("circle")) == 2


def test_console_hides_other_teams_conversations(client, world) -> None:
    conv = world.open(world.calm_customer)
    login(client, "bea")
    answer = client.get(f"/console/conversations/{conv.id}")
    assert answer.status_code == 404
    assert parse(answer.text).find("h1").text == "Not found"


def test_console_supervisor_view_is_for_supervisors(client, world) -> None:
    login(client, "cal")
    assert client.get("/console/supervisor").status_code == 403


@pytest.mark.parametrize("payload", XSS)
def test_console_escapes_customer_names_messages_and_notes(client, world, payload) -> None:
    from tests.factories import ADMIN

    from calmdesk.actions import add_note, create_customer

    customer = create_customer(world.ctx, ADMIN, name=payload)
    conv = world.open(customer)
    _says(world, conv, f"idiot {payload}")
    add_note(world.ctx, world.actor(world.agent), payload, conversation_id=conv.id)
    login(client, "cal")
    for url in ("/console", f"/console/conversations/{conv.id}"):
        page = parse(client.get(url).text)
        assert all("src" in s.attrs for s in page.find_all("script")), url
        assert not [n for n in page.walk() if any(a.startswith("on") for a in n.attrs)], url
        assert payload in page.text


def _strict(page: Node) -> list[str]:
    problems = [f"inline script {s.text[:30]!r}" for s in page.find_all("script") if s.text.strip()]
    problems += [f"style attribute on <{n.tag}>" for n in page.walk() if "style" in n.attrs]
    problems += ["<style> element" for _ in page.find_all("style")]
    for form in page.find_all("form"):
        if form.attrs.get("method") == "post" and not form.find_all("input", name="csrf_token"):
            problems.append(f"form {form.attrs.get('action')} without csrf_token")
    labelled = {n.attrs.get("for") for n in page.find_all("label")}
    for field in page.find_all("textarea") + page.find_all("select") + page.find_all("input"):
        if field.attrs.get("type") != "hidden" and field.attrs.get("id") not in labelled:
            problems.append(f"unlabelled {field.tag} {field.attrs.get('name')}")
    return problems


@pytest.mark.parametrize("who", ["cal", "sam"])
def test_console_pages_have_csp_no_inline_code_csrf_on_forms_and_labels(client, world, who) -> None:
    conv = world.open(world.angry_customer)
    _says(world, conv, "Where is my parcel?")
    login(client, who)
    urls = ["/console", f"/console/conversations/{conv.id}"]
    urls += ["/console/supervisor"] if who == "sam" else []
    for url in urls:
        answer = client.get(url)
        assert answer.headers["content-security-policy"] == CSP
        assert _strict(parse(answer.text)) == [], url


def test_console_transcript_shows_the_review_score_of_sent_replies(client, world) -> None:
    conv = world.open(world.calm_customer)
    _says(world, conv, "My order is late")
    world.ctx.analyzer = CueAnalyzer()
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id, "Not our fault.")
    csrf = login(client, "cal")
    fragment = parse(
        client.get(f"/console/conversations/{conv.id}/transcript", headers=htmx(csrf)).text
    )
    agent_turn = fragment.find("li", class_="turn--agent")
    assert "review" in agent_turn.text and "P5" in agent_turn.text


def _queries(app, client, url: str) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("url", ["/console", "/console/supervisor"])
def test_console_hot_pages_use_a_fixed_number_of_queries(app, client, world, url) -> None:
    login(client, "sam")
    for _ in range(2):
        _says(world, world.open(world.calm_customer), "My order is late, this is ridiculous")
    few = _queries(app, client, url)
    for _ in range(6):
        _says(world, world.open(world.calm_customer), "My order is late, this is ridiculous")
    assert _queries(app, client, url) == few <= 14  # 12 + the server-side session and its last use
