"""P15 in the console, without JavaScript: the conversation's Resolution block, opening a case,
the case page's timeline and forms, refusals beside the forms, the outside mediator's view."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import World
from tests.p15_support import disputed, mediator, open_on, step
from tests.web.console_support import db_url, login, parse  # noqa: F401


def _post(client: TestClient, url: str, csrf: str, **data: str):
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def _steps(client: TestClient, case_id: int) -> list[str]:
    page = parse(client.get(f"/console/resolution/{case_id}").text)
    return [li.attrs["data-step"] for li in page.by_id("timeline").find_all("li")]


def test_console_cases_negotiation_from_the_conversation_page(
    client: TestClient, world: World
) -> None:
    conv = disputed(world)
    csrf = login(client, "cal")
    page = parse(client.get(f"/console/conversations/{conv.id}").text)
    block = page.by_id("resolution")
    form = block.find("form")
    assert form.attrs["action"] == f"/console/conversations/{conv.id}/resolution"
    opened = _post(client, form.attrs["action"], csrf, track="negotiation", reason="Refund")
    assert opened.status_code == 303
    url = opened.headers["location"]
    case_id = int(url.rsplit("/", 1)[1])
    case = parse(client.get(url).text)
    assert case.by_id("case-state").attrs["data-state"] == "negotiating"
    offered = {d.attrs["id"] for d in case.by_id("next-steps").find_all("details")}
    assert {"step-offer", "step-agreed", "step-not_agreed"} <= offered
    assert "step-escalate" not in offered and "step-close" not in offered  # agents
    hostile = "<script>alert(1)</script> refund of 20"
    assert _post(client, f"{url}/steps", csrf, step="offer", text=hostile).status_code == 303
    page = parse(client.get(url).text)
    timeline = page.by_id("timeline")
    assert "<script>" in timeline.text and not timeline.find_all("script")
    offer_id = page.by_id("step-answer").find("option").attrs["value"]
    _post(client, f"{url}/steps", csrf, step="answer", offer_id=offer_id, answer="accepted")
    _post(client, f"{url}/steps", csrf, step="agreed", text="Refund of 20")
    assert _steps(client, case_id) == ["open", "offer", "answer", "agreed"]
    done = parse(client.get(url).text)
    assert "agreed" in done.by_id("case-outcome").text
    assert not done.by_id("next-steps").find_all("form")
    listing = parse(client.get(f"/console/conversations/{conv.id}/resolution").text)
    assert listing.by_id("cases").find("tr", **{"data-case": str(case_id)})


def test_console_cases_refusal_shows_the_reason_beside_the_forms_and_keeps_the_text(
    client: TestClient, world: World
) -> None:
    mo = mediator(world)
    case = open_on(world, disputed(world), "mediation")
    step(world, world.supervisor, case.id, "assign_mediator", user_id=mo.id)
    csrf = login(client, "mo")
    url = f"/console/resolution/{case.id}"
    page = parse(client.get(url).text)  # Mo cannot see the conversation, but sees his case
    assert not page.find_all("a", href=f"/console/conversations/{case.conversation_id}")
    roles = [li.attrs["data-role"] for li in page.by_id("case-transcript").find_all("li")]
    assert roles == ["customer", "agent"]  # he reads the dispute here
    answer = _post(client, f"{url}/steps", csrf, step="proposal", text="Refund 350, my draft")
    assert answer.status_code == 400
    refused = parse(answer.text)
    assert "positions" in refused.by_id("case-error").text
    assert "my draft" in refused.by_id("step-proposal").find("textarea").text
    assert "open" in refused.by_id("step-proposal").attrs


def test_console_cases_supervisor_chooses_a_mediator_from_outside_the_team(
    client: TestClient, world: World
) -> None:
    mo = mediator(world)
    case = open_on(world, disputed(world), "mediation")
    login(client, "sam")
    page = parse(client.get(f"/console/resolution/{case.id}").text)
    options = page.by_id("step-assign_mediator").find("select").find_all("option")
    assert [o.attrs["value"] for o in options] == [str(mo.id)]


def test_console_cases_hidden_from_staff_who_cannot_see_them(
    client: TestClient, world: World
) -> None:
    case = open_on(world, disputed(world))
    login(client, "bea")
    assert client.get(f"/console/resolution/{case.id}").status_code == 404
    assert client.get("/console/resolution/99999999999").status_code == 404
