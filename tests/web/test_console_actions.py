"""What agents do in the console: live review, send, escalate, resolve, limits, notes, promises."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.web.console_support import db_url, htmx, login, parse  # noqa: F401

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.storage import Commitment, Customer, Escalation, Note, Turn

BLAMING = "That is not our fault, you should have read the delivery policy."
FIXED = (
    "I'm sorry your order is late, I can see why that is frustrating. "
    "I will send you a replacement by Friday. Does that work for you?"
)


@pytest.fixture
def case(world):
    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(conv.customer_id)
    add_customer_turn(world.ctx, customer, conv.id, "My order is late, where is it?")
    return conv


def _count(world, model) -> int:
    with world.ctx.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _checks(html: str) -> dict[str, str]:
    checks = parse(html).by_id("checks").find_all("li")
    return {li.attrs["data-check"]: li.attrs["data-status"] for li in checks}


def test_console_review_fails_blame_and_passes_the_fixed_draft(client, world, case) -> None:
    csrf = login(client, "cal")
    url = f"/console/conversations/{case.id}/review"
    blaming = client.post(url, data={"text": BLAMING}, headers=htmx(csrf))
    fixed = client.post(url, data={"text": FIXED}, headers=htmx(csrf))
    assert _checks(blaming.text)["P5"] == "fail"
    assert _checks(fixed.text)["P5"] == "pass"
    promises = parse(fixed.text).by_id("draft-promises").find_all("li")
    assert len(promises) == 1 and "replacement" in promises[0].text


def test_console_suggestion_can_be_used_as_the_draft(client, world, case) -> None:
    csrf = login(client, "cal")
    answer = client.post(f"/console/conversations/{case.id}/suggest", headers=htmx(csrf))
    box = parse(answer.text)
    text = box.by_id("suggestion-text").text
    assert len(text) > 20
    assert box.find("button", **{"data-use-text": text}).text == "Use suggestion"


@pytest.mark.parametrize(("text", "shown"), [("", "Start typing"), ("x" * 30_000, "at most")])
def test_console_review_explains_empty_and_oversized_drafts(client, world, case, text, shown):
    csrf = login(client, "cal")
    answer = client.post(
        f"/console/conversations/{case.id}/review", data={"text": text}, headers=htmx(csrf)
    )
    assert answer.status_code == 200
    assert shown in parse(answer.text).by_id("review").text


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("reply", {"text": FIXED}),
        ("notes", {"text": "call back"}),
        ("escalate", {"reason": "refund"}),
        ("resolve", {"outcome": "refunded"}),
    ],
)
def test_console_writes_refuse_requests_without_the_csrf_token(client, world, case, path, data):
    login(client, "cal")
    before = [_count(world, m) for m in (Turn, Note, Escalation)]
    answer = client.post(f"/console/conversations/{case.id}/{path}", data=data)
    assert answer.status_code == 403
    assert "CSRF" in parse(answer.text).find("p").text
    assert [_count(world, m) for m in (Turn, Note, Escalation)] == before


def test_console_reply_creates_the_promise_shown_in_the_panel(client, world, case) -> None:
    csrf = login(client, "cal")
    answer = client.post(
        f"/console/conversations/{case.id}/reply", data={"text": FIXED}, headers=htmx(csrf)
    )
    assert "Promise tracked" in parse(answer.text).by_id("flash").text
    insight = parse(
        client.get(f"/console/conversations/{case.id}/insight", headers=htmx(csrf)).text
    )
    promises = insight.by_id("commitments").find_all("li")
    assert [p.attrs["data-status"] for p in promises] == ["open"]
    assert "replacement" in promises[0].text


def test_console_reply_without_htmx_redirects_back(client, world, case) -> None:
    csrf = login(client, "cal")
    data = {"text": FIXED, "csrf_token": csrf}
    answer = client.post(
        f"/console/conversations/{case.id}/reply", data=data, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/conversations/{case.id}"


def test_console_escalation_tells_the_customer_and_reaches_the_supervisor(client, world, case):
    csrf = login(client, "cal")
    data = {
        "reason": "Refund above my limit",
        "customer_message": "A supervisor will reply here today.",
    }
    answer = client.post(
        f"/console/conversations/{case.id}/escalate", data=data, headers=htmx(csrf)
    )
    assert "left your queue" in parse(answer.text).by_id("flash").text
    with world.ctx.sessions() as session:
        last = session.scalars(select(Turn).order_by(Turn.id.desc())).first()
        assert last.text == data["customer_message"]
    client.cookies.clear()
    login(client, "sam")
    board = parse(client.get("/console/supervisor").text).by_id("escalated")
    entry = board.find("li", **{"data-conversation": str(case.id)})
    assert "Refund above my limit" in entry.text


def test_console_resolve_schedules_the_follow_up(client, world, case) -> None:
    csrf = login(client, "cal")
    data = {"outcome": "Replacement sent; customer agreed."}
    answer = client.post(f"/console/conversations/{case.id}/resolve", data=data, headers=htmx(csrf))
    page = parse(answer.text)
    assert page.by_id("flash").text.startswith("Resolved. Follow-up scheduled for")
    assert len(page.by_id("follow-ups").find_all("li", **{"data-done": "no"})) == 1
    banners = [p.text for p in page.find_all("p", class_="banner--ok")]
    assert "Outcome: Replacement sent; customer agreed." in banners


def test_console_records_the_follow_up_outcome(client, world, case) -> None:
    csrf = login(client, "cal")
    url = f"/console/conversations/{case.id}/resolve"
    page = parse(client.post(url, data={"outcome": "Refunded"}, headers=htmx(csrf)).text)
    action = page.by_id("follow-ups").find("form").attrs["hx-post"]
    data = {"outcome": "Happy with the refund", "conversation_id": case.id}
    after = parse(client.post(action, data=data, headers=htmx(csrf)).text)
    item = after.by_id("follow-ups").find("li")
    assert item.attrs["data-done"] == "yes" and "Happy with the refund" in item.text


@pytest.mark.parametrize(
    ("who", "action", "status", "standing"),
    [
        ("cal", "warn", 200, "warned"),
        ("cal", "block", 403, "good"),
        ("sam", "block", 200, "blocked"),
        ("cal", "shout", 400, "good"),
    ],
)
def test_console_standing_needs_a_supervisor_to_block(
    client, world, case, who, action, status, standing
):
    csrf = login(client, who)
    data = {
        "action": action,
        "reason": "Repeated insults after a warning",
        "conversation_id": case.id,
    }
    url = f"/console/customers/{case.customer_id}/standing"
    assert client.post(url, data=data, headers=htmx(csrf)).status_code == status
    with world.ctx.sessions() as session:
        assert str(session.get(Customer, case.customer_id).standing) == standing


def test_console_notes_are_stored_and_escaped(client, world, case) -> None:
    csrf = login(client, "cal")
    text = "<b>VIP</b> <script>window.__xss=1</script>"
    answer = client.post(
        f"/console/conversations/{case.id}/notes", data={"text": text}, headers=htmx(csrf)
    )
    notes = parse(answer.text).by_id("notes")
    assert notes.find_all("script") == [] and notes.find_all("b") == []
    assert text in notes.text


def test_console_marks_a_promise_kept_and_the_customer_told(client, world, case) -> None:
    csrf = login(client, "cal")
    client.post(f"/console/conversations/{case.id}/reply", data={"text": FIXED}, headers=htmx(csrf))
    with world.ctx.sessions() as session:
        promise_id = session.scalars(select(Commitment.id)).one()
    data = {"conversation_id": case.id}
    answer = client.post(f"/console/commitments/{promise_id}/done", data=data, headers=htmx(csrf))
    item = parse(answer.text).by_id("commitments").find("li")
    assert item.attrs["data-status"] == "done" and "customer told" in item.text


def test_console_actions_on_hidden_conversations_answer_not_found(client, world, case) -> None:
    csrf = login(client, "bea")
    answer = client.post(
        f"/console/conversations/{case.id}/notes", data={"text": "x"}, headers=htmx(csrf)
    )
    assert answer.status_code == 404
    assert _count(world, Note) == 0


def test_console_suggestion_states_a_hand_over_once_it_happened(client, world) -> None:
    """A manager request escalates the case (the team's rules); the supervisor's suggestion may
    then say the case was passed on, which it says as an offer while nobody has done it."""
    from calmdesk.storage import Conversation
    from calmdesk.storage.enums import ConversationStatus

    conv = world.open(world.calm_customer)
    customer = Actor.for_customer(conv.customer_id)
    text = "This is the third time my refund has gone missing. Get me a manager now!"
    add_customer_turn(world.ctx, customer, conv.id, text)
    with world.ctx.sessions() as session:
        assert session.get_one(Conversation, conv.id).status is ConversationStatus.ESCALATED
    csrf = login(client, "sam")
    answer = client.post(f"/console/conversations/{conv.id}/suggest", headers=htmx(csrf))
    suggestion = parse(answer.text).by_id("suggestion-text").text
    assert "I have passed your case" in suggestion or "I have handed your case" in suggestion
