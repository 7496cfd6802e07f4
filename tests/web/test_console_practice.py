"""Role-play practice in the console: play, debrief, assignments, trainer comments, access."""

from __future__ import annotations

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
        data={"csrf_token": sup, "scenario_id": "bad-day", "user_id": str(world.agent.id),
              "due": "2099-01-31", "note": "Before your review"},
    )  # fmt: skip
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
