"""The customer's CSAT page: opened with the chat link, answered once, hostile input escaped."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient
from tests.factories import World

from calmdesk.actions import Actor, add_customer_turn, resolve_conversation
from calmdesk.actions.csat import ask_csat
from calmdesk.config import Settings
from calmdesk.web.auth import issue_chat_token


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, list[str]] = {}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs).get("id")
        if found:
            self.ids[found] = []
            self._open = found

    def handle_data(self, data: str) -> None:
        if self._open:
            self.ids[self._open].append(data)

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def _ids(html: str) -> dict[str, str]:
    parser = Ids()
    parser.feed(html)
    return {k: "".join(v).strip() for k, v in parser.ids.items()}


def _link(world: World, settings: Settings) -> tuple[int, str]:
    conversation = world.open()
    customer = Actor.for_customer(world.angry_customer.id)
    add_customer_turn(world.ctx, customer, conversation.id, "Late again!")
    resolve_conversation(world.ctx, world.actor(world.agent), conversation.id, "done")
    token = issue_chat_token(settings, conversation.id, conversation.customer_id)
    return conversation.id, f"/chat/{token}/csat"


def test_csat_page_asks_then_thanks(client: TestClient, world: World, settings: Settings) -> None:
    cid, url = _link(world, settings)
    assert "csat-none" in _ids(client.get(url).text)
    ask_csat(world.ctx, Actor.system("t"), cid)
    assert "csat-form" in _ids(client.get(url).text)
    answered = client.post(url, data={"score": "4", "comment": "<script>alert(1)</script>"})
    assert answered.status_code == 200
    assert _ids(answered.text)["csat-thanks"] == "Thank you: you rated this 4 out of 5."
    assert "<script>alert(1)" not in answered.text
    again = client.post(url, data={"score": "1"})
    assert again.status_code == 409 and "already been answered" in again.text


def test_csat_page_bad_rating_shows_the_form_again(
    client: TestClient, world: World, settings: Settings
) -> None:
    cid, url = _link(world, settings)
    ask_csat(world.ctx, Actor.system("t"), cid)
    bad = client.post(url, data={"score": "9"})
    assert bad.status_code == 400 and "csat-form" in _ids(bad.text)
    assert "from 1 to 5" in bad.text


def test_csat_page_refuses_a_forged_link(client: TestClient) -> None:
    response = client.get("/chat/not-a-token/csat")
    assert response.status_code == 401


def test_csat_chat_page_links_to_the_question_until_it_is_answered(
    client: TestClient, world: World, settings: Settings
) -> None:
    cid, url = _link(world, settings)
    chat = url.removesuffix("/csat")
    assert "chat-csat" not in _ids(client.get(chat).text)
    ask_csat(world.ctx, Actor.system("t"), cid)
    assert "chat-csat" in _ids(client.get(chat).text)
    client.post(url, data={"score": "5"})
    assert "chat-csat" not in _ids(client.get(chat).text)
