"""Role-play practice in the console: play, debrief, assignments, trainer comments, access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.analysis.roleplay.trainees import GOOD
from tests.web.console_support import db_url, login, parse  # noqa: F401

from calmdesk.actions import assign_practice, start_practice
from calmdesk.domain.errors import InputError, PermissionDenied
from calmdesk.storage import AuditEntry
from calmdesk.storage.practice import PracticeSession


def _start(client, csrf: str, scenario: str = "late-order", mode: str = "learning") -> str:
    answer = client.post(
        "/console/practice/start",
        data={"csrf_token": csrf, "scenario_id": scenario, "mode": mode},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _reply(client, csrf: str, url: str, text: str):
    return client.post(f"{url}/reply", data={"csrf_token": csrf, "text": text})


def test_practice_page_lists_the_library_for_every_agent(client, world) -> None:
    login(client, "cal")
    page = parse(client.get("/console/practice").text)
    rows = page.by_id("library").find_all("tr", **{"data-scenario": "late-order"})
    assert len(rows) == 1 and "birthday" in rows[0].text
    assert not page.find_all(None, id="assign")  # agents do not assign


def test_trainee_plays_to_the_end_and_gets_a_debrief(client, world) -> None:
    csrf = login(client, "cal")
    url = _start(client, csrf)
    first = parse(client.get(url).text)
    assert [li.attrs["data-role"] for li in first.by_id("transcript").find_all("li")] == [
        "customer"
    ]
    for text in GOOD["late-order"]:
        answer = _reply(client, csrf, url, text)
        assert answer.status_code == 200
    page = parse(answer.text)
    assert page.by_id("outcome").attrs["data-outcome"] == "resolved"
    series = {p.attrs["data-series"] for p in page.by_id("mood-curve").find_all("polyline")}
    assert series == {"upset", "trust"}
    assert len(page.by_id("replies").find("tbody").find_all("tr")) == 2
    assert "Outcome: resolved." in page.by_id("feedback").text
    assert not page.find_all("form", id="practice-reply")  # nothing more to send


def test_learning_mode_coaches_and_assessment_does_not(client, world) -> None:
    csrf = login(client, "cal")
    learning, assessment = _start(client, csrf), _start(client, csrf, mode="assessment")
    coached = parse(_reply(client, csrf, learning, "Calm down, it's not our fault.").text)
    silent = parse(_reply(client, csrf, assessment, "Calm down, it's not our fault.").text)
    assert "What angered" in coached.by_id("coach").text
    assert "What angered" not in silent.by_id("coach").text


def test_a_refused_reply_keeps_the_draft_and_says_why(client, world) -> None:
    csrf = login(client, "cal")
    url = _start(client, csrf)
    empty = _reply(client, csrf, url, "   ")
    assert empty.status_code == 400 and "empty" in parse(empty.text).by_id("practice-error").text
    hostile = "<script>alert(1)</script> I'm sorry about the parcel."
    page = parse(_reply(client, csrf, url, hostile).text)
    agent_turn = page.by_id("transcript").find_all("li", **{"data-role": "agent"})[0]
    assert "<script>" in agent_turn.text and not page.by_id("transcript").find_all("script")


def test_replies_after_the_end_are_refused_with_the_reason(client, world) -> None:
    csrf = login(client, "cal")
    url = _start(client, csrf)
    for text in GOOD["late-order"]:
        _reply(client, csrf, url, text)
    late = _reply(client, csrf, url, "One more thing")
    assert late.status_code == 400 and "ended" in parse(late.text).by_id("practice-error").text
    page = parse(late.text)
    assert "One more thing" in page.by_id("unsent").text  # the unsent text is shown, not lost
    assert "One more thing" not in page.by_id("transcript").text


def test_others_cannot_see_a_session_but_the_teams_supervisor_can_comment(client, world) -> None:
    csrf = login(client, "cal")
    url = _start(client, csrf)
    client.cookies.clear()
    login(client, "bea")  # another team's agent
    assert client.get(url).status_code == 404
    client.cookies.clear()
    sup = login(client, "sam")
    assert client.get(url).status_code == 200
    answer = client.post(f"{url}/comments", data={"csrf_token": sup, "text": "Ask for the order."})
    assert answer.status_code == 200
    assert "Ask for the order." in parse(answer.text).by_id("comments").text


def test_agents_cannot_comment_or_assign(client, world) -> None:
    csrf = login(client, "cal")
    url = _start(client, csrf)
    comment = client.post(f"{url}/comments", data={"csrf_token": csrf, "text": "Great job, me"})
    assign = client.post(
        "/console/practice/assign",
        data={"csrf_token": csrf, "scenario_id": "bad-day", "user_id": str(world.agent.id)},
    )
    assert comment.status_code == 400 and assign.status_code == 400
    assert "supervisor or admin" in parse(assign.text).by_id("practice-error").text


def test_supervisor_assigns_and_the_agent_plays_the_assignment(client, world) -> None:
    sup = login(client, "sam")
    answer = client.post(
        "/console/practice/assign",
        data={
            "csrf_token": sup,
            "scenario_id": "bad-day",
            "user_id": str(world.agent.id),
            "due": "2099-01-31",
            "note": "Before your review",
        },
    )
    assert answer.status_code == 200
    client.cookies.clear()
    csrf = login(client, "cal")
    assigned = parse(client.get("/console/practice").text).by_id("assigned")
    item = assigned.find("li")
    assert "wrong shoes" in item.text.lower() and "Before your review" in item.text
    start = client.post(
        "/console/practice/start",
        data={"csrf_token": csrf, "assignment_id": item.attrs["data-assignment"]},
        follow_redirects=False,
    )
    assert start.status_code == 303
    page = parse(client.get(start.headers["location"]).text)
    assert "assessment" in page.find("p", class_="faint").text  # coaching was not ticked


@pytest.mark.parametrize("path", ["/console/practice/99999999999999999999", "/console/practice/0"])
def test_impossible_session_numbers_are_not_found(client, world, path: str) -> None:
    login(client, "cal")
    assert client.get(path).status_code == 404


def test_assignment_rules_and_audit(world) -> None:
    sup, agent = world.actor(world.supervisor), world.actor(world.agent)
    with pytest.raises(PermissionDenied):
        assign_practice(world.ctx, sup, "bad-day", user_id=world.other_agent.id)
    with pytest.raises(InputError):
        assign_practice(world.ctx, sup, "bad-day")
    with pytest.raises(InputError):
        past = world.ctx.now() - timedelta(days=1)
        assign_practice(world.ctx, sup, "bad-day", user_id=world.agent.id, due_at=past)
    assignment = assign_practice(world.ctx, sup, "bad-day", team_id=world.team.id)
    row = start_practice(world.ctx, agent, assignment_id=assignment.id)
    with world.ctx.sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
        stored = session.get(PracticeSession, row.id)
        assert stored is not None and stored.scenario_id == "bad-day"
    assert {"practice.assigned", "practice.started"} <= actions


PERSONAL = (
    "This is Gail Furious. My order 10442-77 never came! Call me on +44 7911 123456 or write to "
    "gail.furious@mail.example, and refund the card 4111 1111 1111 1111 or IBAN "
    "DE89 3704 0044 0532 0130 00. You useless idiots."
)


@pytest.fixture
def real_case(world):
    from calmdesk.actions import Actor, add_customer_turn, send_agent_reply

    conv = world.open(world.angry_customer)
    add_customer_turn(world.ctx, Actor.for_customer(conv.customer_id), conv.id, PERSONAL)
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id, "Hi, Cal here. Sorry Gail.")
    add_customer_turn(
        world.ctx, Actor.for_customer(conv.customer_id), conv.id, "Still nothing, Cal"
    )
    return conv


def test_practise_this_case_replaces_personal_data(world, real_case) -> None:
    from calmdesk.actions import practise_case
    from calmdesk.analysis.roleplay import parse_scenario

    row = practise_case(world.ctx, world.actor(world.supervisor), real_case.id, "Gail's order")
    stored = str(row.body)
    for secret in ("Gail", "Furious", "7911", "gail.furious", "4111", "DE89", "10442", r"\bCal\b"):
        assert not re.search(secret, stored), secret
    scenario = parse_scenario(row.body, row.id)
    assert "useless idiots" in scenario.lines["opening"][0]  # the customer's own words stay
    assert scenario.facts and scenario.needs_facts  # the order number is a fact to ask for
    with pytest.raises(PermissionDenied):
        practise_case(world.ctx, world.actor(world.agent), real_case.id)


def test_supervisor_makes_a_case_scenario_the_team_can_play(client, world, real_case) -> None:
    sup = login(client, "sam")
    page = parse(client.get(f"/console/conversations/{real_case.id}").text)
    assert page.find_all(None, id="practise-case")
    made = client.post(
        "/console/practice/from-case",
        data={"csrf_token": sup, "conversation_id": str(real_case.id), "title": "The lost order"},
    )
    assert made.status_code == 200
    row = next(
        r for r in parse(made.text).by_id("library").find_all("tr") if "The lost order" in r.text
    )
    client.cookies.clear()
    csrf = login(client, "cal")
    assert not parse(client.get(f"/console/conversations/{real_case.id}").text).find_all(
        None, id="practise-case"
    )  # agents are not offered it
    url = _start(client, csrf, scenario=row.attrs["data-scenario"])
    answer = _reply(client, csrf, url, "I'm so sorry. Could you give me your order number?")
    assert answer.status_code == 200
    client.cookies.clear()
    login(client, "bea")  # another team does not see the team's case scenario
    library = parse(client.get("/console/practice").text).by_id("library").text
    assert "The lost order" not in library
