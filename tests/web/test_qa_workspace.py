"""The QA workspace: the scorecard beside the transcript, analysts' overrides kept beside the
automatic verdict and audited, the agent's acknowledge/dispute, calibration, sampling queues."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import World
from tests.web.console_support import db_url, login, parse  # noqa: F401

from calmdesk.actions import Actor, add_customer_turn, resolve_conversation, send_agent_reply
from calmdesk.actions.qa import score_stored_conversations
from calmdesk.storage import AuditEntry
from calmdesk.storage.qa import QaOverride, QaScorecard


def _scored(world: World, reply: str = "That is not our fault. We'll look into it.") -> int:
    conversation = world.open(world.calm_customer)
    customer, agent = Actor.for_customer(world.calm_customer.id), world.actor(world.agent)
    add_customer_turn(world.ctx, customer, conversation.id, "My order is late again!! <b>now</b>")
    send_agent_reply(world.ctx, agent, conversation.id, reply)
    resolve_conversation(world.ctx, agent, conversation.id, "re-sent")
    score_stored_conversations(world.ctx, Actor.system("t"))
    return conversation.id


def _card(world: World, cid: int) -> QaScorecard:
    with world.ctx.sessions() as session:
        card = session.scalars(select(QaScorecard).where(QaScorecard.conversation_id == cid)).one()
        session.expunge(card)
        return card


def test_qa_card_shows_the_scorecard_beside_the_transcript(
    client: TestClient, world: World
) -> None:
    cid = _scored(world)
    login(client, "sam")
    page = parse(client.get(f"/console/qa/conversations/{cid}").text)
    assert page.by_id("qa-score").text == str(_card(world, cid).score)
    row = page.find("tr", data_criterion="no_blame")
    assert row.find("td", class_="qa-auto").text == "fail"
    assert "not our fault" in "".join(t.text for t in page.by_id("transcript").find_all("p"))
    assert "<b>now</b>" in page.by_id("transcript").text  # escaped, shown as text
    assert page.find_all("form", id="qa-override-form")


def test_qa_override_is_kept_beside_the_automatic_verdict_and_audited(
    client: TestClient, world: World
) -> None:
    cid = _scored(world)
    csrf = login(client, "sam")
    answer = client.post(
        f"/console/qa/conversations/{cid}/override",
        data={"criterion": "no_blame", "status": "pass", "comment": "customer misread it",
              "csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    card = _card(world, cid)
    assert card.criteria["no_blame"]["status"] == "fail"  # the automatic verdict stays
    with world.ctx.sessions() as session:
        (override,) = session.scalars(select(QaOverride))
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "qa.override")).one()
    assert (override.automatic, override.status, override.comment) == (
        "fail", "pass", "customer misread it"
    )  # fmt: skip
    assert audit.actor == "user:sam" and audit.after["criterion"] == "no_blame"
    page = parse(client.get(f"/console/qa/conversations/{cid}").text)
    row = page.find("tr", data_criterion="no_blame")
    assert row.find("td", class_="qa-auto").text == "fail"
    assert row.find("td", class_="qa-override").text.startswith("pass")
    calibration = parse(client.get("/console/qa/calibration").text)
    rate = calibration.find("tr", data_criterion="no_blame").find("td", class_="qa-rate")
    assert rate.text == "100%"


def test_qa_override_needs_an_analyst_a_comment_and_a_known_criterion(
    client: TestClient, world: World
) -> None:
    cid = _scored(world)
    csrf = login(client, "cal")
    form = {"criterion": "no_blame", "status": "pass", "comment": "mine", "csrf_token": csrf}
    assert client.post(f"/console/qa/conversations/{cid}/override", data=form).status_code == 403
    client.cookies.clear()
    csrf = login(client, "sam")
    for bad in ({"comment": ""}, {"criterion": "charm"}, {"status": "great"}):
        data = {**form, "csrf_token": csrf, **bad}
        response = client.post(f"/console/qa/conversations/{cid}/override", data=data)
        assert response.status_code in (400, 422), bad
    forged = {**form, "csrf_token": "forged"}
    assert client.post(f"/console/qa/conversations/{cid}/override", data=forged).status_code == 403
    with world.ctx.sessions() as session:
        assert list(session.scalars(select(QaOverride))) == []


def test_qa_agent_acknowledges_or_disputes_their_own_scorecard(
    client: TestClient, world: World
) -> None:
    cid = _scored(world)
    csrf = login(client, "cal")
    page = parse(client.get(f"/console/qa/conversations/{cid}").text)
    assert page.find_all("form", id="qa-respond-form") and not page.find_all(
        "form", id="qa-override-form"
    )
    no_reason = {"kind": "dispute", "comment": "", "csrf_token": csrf}
    assert (
        client.post(f"/console/qa/conversations/{cid}/respond", data=no_reason).status_code == 400
    )
    ok = {"kind": "dispute", "comment": "the courier really was late", "csrf_token": csrf}
    response = client.post(
        f"/console/qa/conversations/{cid}/respond", data=ok, follow_redirects=False
    )
    assert response.status_code == 303
    history = parse(client.get(f"/console/qa/conversations/{cid}").text).by_id("qa-history")
    assert "agent dispute: the courier really was late" in history.text
    client.cookies.clear()
    csrf = login(client, "sam")
    other = {"kind": "acknowledge", "csrf_token": csrf}
    assert client.post(f"/console/qa/conversations/{cid}/respond", data=other).status_code == 403


def test_qa_queues_list_lowest_scores_and_a_weekly_sample(client: TestClient, world: World) -> None:
    bad = _scored(world)
    good = _scored(
        world,
        "I'm sorry your order is late. I've re-sent it by express today; it arrives tomorrow "
        "by noon. Does that work for you?",
    )
    login(client, "sam")
    page = parse(client.get("/console/qa?week=2026-03-04").text)  # the world's week
    lowest = [r.attrs["data-conversation"] for r in page.by_id("queue-lowest").find_all("tr")[1:]]
    assert lowest[0] == str(bad) and str(good) in lowest
    sample = page.by_id("queue-sample").find_all("tr", data_conversation=str(bad))
    assert sample  # both were opened that week
    assert "week of 2026-03-02" in page.by_id("sample-title").text
    one = parse(client.get("/console/qa?week=2026-03-02&n=1").text).by_id("queue-sample")
    assert len(one.find_all("tr")) == 2  # header + one conversation for the one agent
    later = parse(client.get("/console/qa?week=2026-03-09").text).by_id("queue-sample")
    assert later.find_all("tr") == []


def test_qa_card_of_a_conversation_not_visible_is_not_found(
    client: TestClient, world: World
) -> None:
    cid = _scored(world)
    login(client, "bea")  # another team's agent
    assert client.get(f"/console/qa/conversations/{cid}").status_code == 404
