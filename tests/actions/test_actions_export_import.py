from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.factories import ADMIN, World

from calmdesk.actions import Actor, add_customer_turn, add_note, send_agent_reply
from calmdesk.actions.export import export_record
from calmdesk.actions.imports import import_item, iter_items
from calmdesk.domain import (
    InputError,
    InputTooLarge,
    MalformedInput,
    NotFound,
    UnsupportedValue,
)
from calmdesk.storage import Conversation, Turn

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _record(world: World) -> int:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(world.calm_customer.id), conv.id, HOSTILE)
    send_agent_reply(
        world.ctx,
        world.actor(world.agent),
        conv.id,
        "I'm sorry. I will send you a new one by Friday.",
    )
    add_note(world.ctx, world.actor(world.agent), HOSTILE, conversation_id=conv.id)
    return conv.id


def test_export_json_holds_the_whole_record(world: World) -> None:
    data = json.loads(export_record(world.ctx, _record(world), "json"))
    assert data["format"] == "calmdesk.record.v1"
    assert [t["author_role"] for t in data["turns"]] == ["customer", "agent"]
    assert data["turns"][0]["text"] == HOSTILE and data["turns"][0]["signals"]
    assert data["commitments"][0]["status"] == "open" and data["notes"][0]["text"] == HOSTILE
    assert data["customer"]["name"] == "Carl Calm"
    assert "password_hash" not in json.dumps(data)
    assert {"conversation.opened", "turn.customer_added", "turn.agent_sent"} <= {
        a["action"] for a in data["audit"]
    }


def test_export_html_escapes_everything_customers_wrote(world: World) -> None:
    page = export_record(world.ctx, _record(world), "html")
    parser = _Text()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert HOSTILE in "".join(parser.text)


@pytest.mark.parametrize(
    ("conv_id", "fmt", "error"), [(999, "json", NotFound), (1, "pdf", UnsupportedValue)]
)
def test_export_refuses_unknown_records_and_formats(
    world: World, conv_id: int, fmt: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        export_record(world.ctx, conv_id, fmt)


def _jsonl(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


GOOD = {
    "id": "ext-1",
    "turns": [
        {"role": "customer", "text": "My order is late", "at": "2026-01-05T10:00:00Z"},
        {"role": "agent", "text": "Sorry, checking now."},
    ],
}


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[1, 2]",
        {"id": "", "turns": [{"role": "customer", "text": "x"}]},
        {"id": "x", "turns": []},
        {"id": "x", "turns": [{"role": "robot", "text": "x"}]},
        {"id": "x", "turns": [{"role": "customer", "text": ""}]},
        {"id": "x", "turns": [{"role": "customer", "text": "hi", "at": "yesterday"}]},
        {"id": "x", "turns": [{"role": "customer", "text": "hi"}], "channel": "pigeon"},
        {"id": "x", "turns": "hello"},
    ],
)
def test_iter_items_reports_bad_lines_and_goes_on(tmp_path: Path, bad: object) -> None:
    items = list(iter_items(_jsonl(tmp_path, [bad, GOOD])))
    assert isinstance(items[0][1], InputError) and "line 1" in items[0][1].message
    assert items[1][0] == 2 and not isinstance(items[1][1], InputError)


def test_iter_items_refuses_oversized_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("calmdesk.actions.imports.MAX_LINE_BYTES", 100)
    big = {"id": "big", "turns": [{"role": "customer", "text": "x" * 200}]}
    assert isinstance(next(iter_items(_jsonl(tmp_path, [big])))[1], InputTooLarge)


def test_iter_items_refuses_binary_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    assert isinstance(next(iter_items(path))[1], MalformedInput)


def test_import_skips_conversations_already_stored(world: World, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [GOOD, {**GOOD, "id": "ext-2"}])
    actor = Actor.system("import")
    first = [import_item(world.ctx, actor, i, analyze=True) for _, i in iter_items(path)]  # type: ignore[arg-type]
    again = [import_item(world.ctx, actor, i, analyze=True) for _, i in iter_items(path)]  # type: ignore[arg-type]
    assert first == [True, True] and again == [False, False]
    with world.ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == 2
        assert session.scalar(select(func.count()).select_from(Turn)) == 4
        conv = session.scalars(
            select(Conversation).where(Conversation.external_id == "ext-1")
        ).one()
    assert conv.cause == "delivery_delay" and conv.opened_at.isoformat().startswith("2026-01-05")


def test_import_reads_csv_grouped_by_conversation(world: World, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "conversation_id,role,text,at\n"
        "c1,customer,Where is my parcel?,2026-01-01T09:00:00+00:00\n"
        "c1,agent,Checking now.,\n"
        'c2,customer,"Hello, wrong charge",\n'
    )
    items = [i for _, i in iter_items(path)]
    assert [len(i.turns) for i in items] == [2, 1]  # type: ignore[union-attr]
    assert items[1].turns[0][1] == "Hello, wrong charge"  # type: ignore[union-attr]


def test_import_batch_skips_a_repeated_id_within_one_batch(world: World) -> None:
    from calmdesk.actions.imports import ImportItem, import_batch
    from calmdesk.storage import AuthorRole

    item = ImportItem("dup", [(AuthorRole.CUSTOMER, "hello", None)], customer={"external_id": "k"})
    again = ImportItem("dup", [(AuthorRole.CUSTOMER, "hello again", None)])
    other = ImportItem("other", [(AuthorRole.CUSTOMER, "hi", None)], customer={"external_id": "k"})
    assert import_batch(world.ctx, ADMIN, [item, again, other], analyze=False) == [
        True,
        False,
        True,
    ]
    with world.ctx.sessions() as session:
        owners = set(session.scalars(select(Conversation.customer_id)))
    assert len(owners) == 1  # both conversations belong to customer "k"
