"""The desk in the console: an escalation while the agent is typing (the socket says so and
closes, the page says who has the case and why, sending is refused with that message), claiming,
the queue's SLA column and counts, the live queue channel, search, and Block kept from agents."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect
from tests.web.console_support import htmx, login, parse

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.storage import Turn


@pytest.fixture
def case(world):
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(conv.customer_id), conv.id, "My order is late.")
    return conv


def _turns(world) -> int:
    with world.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(Turn)) or 0


def _next(ws, kind: str) -> dict:
    for _ in range(20):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def test_desk_console_escalation_while_typing_keeps_the_draft_and_says_why(
    client, world, case
) -> None:
    csrf = login(client, "cal")
    client.post(f"/console/conversations/{case.id}/claim", headers=htmx(csrf))
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/console/conversations/{case.id}/ws") as ws:
            ws.send_json({"type": "typing"})  # cal is drafting
            # the supervisor takes it over (a rule or a person: both publish the change)
            sam = client.__class__(client.app)
            sam_csrf = login(sam, "sam")
            data = {"target": f"user:{world.supervisor.id}", "reason": "Legal threat"}
            sam.post(f"/console/conversations/{case.id}/assign", data=data, headers=htmx(sam_csrf))
            assert _next(ws, "access") == {"type": "access", "lost": True}
            ws.receive_json()
    assert closed.value.code == 4403
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    notice = page.by_id("reply-held").text
    assert "Sam has this case now" in notice and "Legal threat" in notice
    assert "draft is kept" in notice
    assert page.by_id("reply-draft").tag == "textarea"  # the box (and the draft in it) stays
    before = _turns(world)
    sent = client.post(
        f"/console/conversations/{case.id}/reply", data={"text": "Here is the refund."},
        headers=htmx(csrf),
    )  # fmt: skip
    assert sent.status_code == 403
    assert "Sam has this case now" in parse(sent.text).by_id("flash").text
    assert "no conversation" not in sent.text
    assert _turns(world) == before


def test_desk_console_claim_shows_the_new_holder(client, world, case) -> None:
    csrf = login(client, "cal")
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    assert "Unassigned" in page.by_id("holder").text
    answer = parse(client.post(f"/console/conversations/{case.id}/claim", headers=htmx(csrf)).text)
    assert "With Cal" in answer.by_id("holder").text
    assert answer.by_id("flash").text == "It is yours now."
    again = parse(client.post(f"/console/conversations/{case.id}/claim", headers=htmx(csrf)).text)
    assert again.by_id("flash").attrs["class"] == "banner banner--bad"  # beside the forms
    assert again.by_id("desk-panel") is not None


def test_desk_console_queue_shows_sla_time_left_and_counts(client, world, case) -> None:
    login(client, "cal")
    page = parse(client.get("/console").text)
    row = page.by_id("queue").find("tr", **{"data-conversation": str(case.id)})
    sla = row.find("td", **{"data-label": "SLA"})
    assert "overdue" in sla.text or "left" in sla.text
    counts = {n.attrs["data-count"]: int(n.text) for n in page.find_all("span", class_="count")}
    assert counts["active"] == 1 and counts["unassigned"] == 1 and counts["mine"] == 0


def test_desk_console_live_queue_hears_of_changes(client, world, case) -> None:
    csrf = login(client, "cal")
    with client.websocket_connect("/console/desk/ws") as ws:
        client.post(f"/console/conversations/{case.id}/claim", headers=htmx(csrf))
        assert ws.receive_json() == {"type": "queue"}


def test_desk_console_desk_socket_needs_a_login(client) -> None:
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/console/desk/ws"):
            pass
    assert closed.value.code == 4401


def test_desk_console_search_page_lists_matches(client, world, case) -> None:
    login(client, "cal")
    page = parse(client.get("/console/search", params={"q": "late"}).text)
    items = page.by_id("results").find_all("li")
    assert [li.attrs["data-id"] for li in items] == [str(case.id)]
    hostile = client.get("/console/search", params={"q": "<script>alert(1)</script>"})
    assert hostile.status_code == 200 and "<script>alert(1)" not in hostile.text


def test_desk_console_agents_are_not_offered_block(client, world, case) -> None:
    login(client, "cal")
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    options = [o.attrs["value"] for o in page.by_id("standing-action").find_all("option")]
    assert options == ["warn"]
    client.cookies.clear()
    login(client, "sam")
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    assert "block" in [o.attrs["value"] for o in page.by_id("standing-action").find_all("option")]


def test_desk_console_macro_is_filled_in_and_flagged_when_it_fails_a_check(
    client, world, case
) -> None:
    csrf = login(client, "cal")
    blaming = {"title": "Policy", "body": "That is not our fault, you should have read the policy.",
               "csrf_token": csrf}  # fmt: skip
    saved = parse(client.post("/console/macros", data=blaming).text)
    assert "fails" in saved.by_id("flash").text
    assert "Policy" in saved.by_id("flagged").text
    good = {"title": "Order", "body": "I'm sorry {customer_name}, I am checking order {order} now.",
            "csrf_token": csrf}  # fmt: skip
    client.post("/console/macros", data=good)
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    options = {o.text: o.attrs["value"] for o in page.by_id("macro-pick").find_all("option")}
    shown = parse(client.post(
        f"/console/conversations/{case.id}/macro", data={"macro_id": options["Order"]},
        headers=htmx(csrf),
    ).text)  # fmt: skip
    use = shown.find(
        "button", **{"data-use-text": "I'm sorry Carl Calm, I am checking order 1042 now."}
    )
    assert use.text == "Use suggestion"


def test_desk_console_refused_action_keeps_the_sidebar_and_says_why(client, world, case) -> None:
    csrf = login(client, "cal")
    data = {"action": "block", "reason": "Threats", "conversation_id": str(case.id)}
    answer = client.post(
        f"/console/customers/{case.customer_id}/standing", data=data, headers=htmx(csrf)
    )
    page = parse(answer.text)
    assert page.by_id("flash").attrs["class"] == "banner banner--bad"
    assert "supervisor" in page.by_id("flash").text
    assert page.by_id("insight").tag == "aside" and page.by_id("standing-action")
    beside = page.by_id("standing")  # the reason sits in the form's own section, opened
    assert "open" in beside.attrs and beside.find("p", id="flash").text == page.by_id("flash").text
    assert page.by_id("desk-panel")  # the rest of the sidebar is still there
    empty = {"action": "warn", "reason": " ", "conversation_id": str(case.id)}
    answer = client.post(
        f"/console/customers/{case.customer_id}/standing", data=empty, headers=htmx(csrf)
    )
    assert parse(answer.text).by_id("standing").find("p", id="flash")
    tagged = client.post(f"/console/conversations/{case.id}/tags", data={"tag": "<b>!!</b>"},
                         headers=htmx(csrf))  # fmt: skip
    assert tagged.status_code == 400
    page = parse(tagged.text)
    assert page.by_id("desk-panel").find("p", id="flash").attrs["class"] == "banner banner--bad"


def test_desk_console_warning_offers_the_boundary_message(client, world, case) -> None:
    csrf = login(client, "cal")
    data = {"action": "warn", "reason": "Insults", "conversation_id": str(case.id)}
    page = parse(client.post(
        f"/console/customers/{case.customer_id}/standing", data=data, headers=htmx(csrf)
    ).text)  # fmt: skip
    offer = page.by_id("standing").find("p", id="flash").find("button")  # beside the form
    assert "can't continue" in offer.attrs["data-use-text"]


def test_desk_console_kept_promise_is_not_labelled_overdue(client, world, case) -> None:
    from calmdesk.actions import complete_commitment, send_agent_reply

    text = "I'm sorry. I will send the tracking number by tomorrow 5pm."
    reply = send_agent_reply(world.ctx, world.actor(world.agent), case.id, text)
    complete_commitment(world.ctx, world.actor(world.agent), reply.commitments[0].id)
    login(client, "cal")
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    labels = [n.text for n in page.find_all("span", class_="due")]
    assert labels and not any("overdue" in text for text in labels)


def test_desk_console_resolution_case_in_the_sidebar_and_its_mediator_reads_the_case(
    client, world, case
) -> None:
    from tests.factories import ADMIN, PASSWORD

    from calmdesk.actions import create_user
    from calmdesk.actions.cases import open_case, take_step

    rex = create_user(world.ctx, ADMIN, username="rex", password=PASSWORD, role="supervisor",
                      display_name="Rex", team_id=world.other_team.id)  # fmt: skip
    sam = world.actor(world.supervisor)
    opened = open_case(world.ctx, sam, case.id, "mediation", "Refund disputed")
    login(client, "rex")  # another team: not the mediator yet, so the case is not theirs to read
    assert client.get(f"/console/conversations/{case.id}").status_code == 404
    take_step(world.ctx, sam, opened.id, "assign_mediator", {"user_id": rex.id})
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    item = page.by_id("p15").find("li", class_="p15")
    assert item.attrs["data-state"] == "mediating"
    assert "sla" in item.find("span").attrs["class"]  # the proposal's due time, as time left
    assert item.find("a").attrs["href"] == f"/console/resolution/{opened.id}"
    client.cookies.clear()
    login(client, "sam")
    page = parse(client.get(f"/console/conversations/{case.id}").text)
    assert page.by_id("p15").find("li", class_="p15").attrs["data-case"] == str(opened.id)
    assert client.post(f"/console/conversations/{case.id}/p15").status_code in (403, 404, 405)


def test_desk_console_admin_screens_validate_and_save(client, world) -> None:
    login(client, "cal")
    assert client.get("/console/settings").status_code == 403
    client.cookies.clear()
    csrf = login(client, "ada")
    page = parse(client.get("/console/settings").text)
    team = page.find("section", **{"data-team": str(world.team.id)})
    assert team.find("input", name="mon").attrs["value"] == "09:00-17:00"
    form = {"csrf_token": csrf, "routing_mode": "round_robin", "capacity": "5",
            "timezone": "Europe/Berlin", "mon": "09:00-13:00, 14:00-18:00", "tue": "closed",
            "wed": "17:00-09:00", "holidays": "2026-12-25"}  # fmt: skip
    refused = client.post(f"/console/settings/teams/{world.team.id}", data=form)
    assert refused.status_code == 400
    assert "closes before it opens" in parse(refused.text).by_id("flash").text
    saved = client.post(f"/console/settings/teams/{world.team.id}", data=form | {"wed": "closed"})
    assert parse(saved.text).by_id("flash").text == "Team settings saved."
    team = parse(saved.text).find("section", **{"data-team": str(world.team.id)})
    assert team.find("input", name="mon").attrs["value"] == "09:00-13:00, 14:00-18:00"
    policy = {
        "csrf_token": csrf,
        "name": "gold",
        "tier": "gold",
        "first_response_minutes": "30",
        "next_response_minutes": "60",
        "resolution_minutes": "480",
        "business_hours": "1",
    }
    page = parse(client.post("/console/settings/sla-policies", data=policy).text)
    assert page.by_id("policies").find("tr", **{"data-policy": "gold"})


def test_desk_console_presence_and_a_second_agent_drafting(client, world, case) -> None:
    from fastapi.testclient import TestClient
    from tests.factories import ADMIN, PASSWORD

    from calmdesk.actions import create_user

    create_user(world.ctx, ADMIN, username="dee", password=PASSWORD, role="agent",
                display_name="Dee", team_id=world.team.id)  # fmt: skip
    login(client, "cal")
    other = TestClient(client.app)
    login(other, "dee")
    url = f"/console/conversations/{case.id}/ws"
    with client.websocket_connect(url) as cal, other.websocket_connect(url) as dee:
        seen = _next(cal, "presence")
        while "Dee" not in seen["viewers"]:
            seen = _next(cal, "presence")
        assert seen["viewers"] == ["Cal", "Dee"]
        dee.send_json({"type": "typing"})
        typing = _next(cal, "typing")
        assert (typing["role"], typing["name"]) == ("agent", "Dee")


def test_desk_console_resolution_case_shows_the_decision_due(client, world) -> None:
    from tests.p15_support import disputed, open_on, step

    case = open_on(world, disputed(world), "arbitration")
    login(client, "sam")
    page = parse(client.get(f"/console/resolution/{case.id}").text)
    assert page.by_id("decision-due").text.strip()  # the due time, in the viewer's format
    step(world, world.admin, case.id, "decide", decision="Refund 300", reasons="Faulty")
    page = parse(client.get(f"/console/resolution/{case.id}").text)
    assert not page.find_all("dd", id="decision-due")
