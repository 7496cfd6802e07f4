"""One date-time format per page, for the viewer's locale: a US browser reads 12-hour times
everywhere on a case's page (transcript, opened, notes, promises), a German one 24-hour times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from tests.web.console_support import htmx, login

from calmdesk.actions import Actor, add_customer_turn, send_agent_reply
from calmdesk.web.timefmt import clock, is_12_hour, stamp, viewer_locale

_24 = re.compile(r"\b(?:[01]\d|2[0-3]):[0-5]\d\b(?! ?[AP]M)")
_12 = re.compile(r"\b(?:1[0-2]|[1-9]):[0-5]\d [AP]M\b")


@pytest.mark.parametrize(
    ("header", "twelve"),
    [("en-US,en;q=0.9", True), ("de-DE,de;q=0.8", False), ("en-GB", False), ("en", True),
     ("", False), ("fr-CA", False), ("en-CA", True), ("x" * 300, False), ("pt_BR", False)],
)  # fmt: skip
def test_timefmt_clock_follows_the_first_language_tag(header: str, twelve: bool) -> None:
    assert is_12_hour(header) is twelve


def test_timefmt_stamp_and_clock() -> None:
    at = datetime(2026, 12, 1, 16, 5, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert stamp(at, berlin) == "Tue 01 Dec 17:05" and clock(at, berlin) == "17:05"
    with viewer_locale("en-US"):
        assert stamp(at, berlin) == "Tue Dec 1, 5:05 PM" and clock(at, berlin) == "5:05 PM"
        assert clock(at.replace(hour=23, minute=30), berlin) == "12:30 AM"
    assert stamp(at, berlin) == "Tue 01 Dec 17:05"  # back to the default after the block


def _times(html: str) -> tuple[list[str], list[str]]:
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    return _24.findall(text), _12.findall(text)


def test_timefmt_case_page_uses_one_format_for_the_viewer(client, world) -> None:
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(conv.customer_id), conv.id, "Where is it?")
    send_agent_reply(world.ctx, world.actor(world.agent), conv.id,
                     "I'm sorry for the wait. I will call you back by Friday 5pm.")  # fmt: skip
    csrf = login(client, "cal")
    client.post(f"/console/conversations/{conv.id}/notes", data={"text": "Called the courier."},
                headers=htmx(csrf))  # fmt: skip
    us = client.get(f"/console/conversations/{conv.id}", headers={"Accept-Language": "en-US"})
    twenty_four, twelve = _times(us.text)
    assert len(twelve) >= 4 and twenty_four == []  # transcript, opened, note, promise due
    de = client.get(f"/console/conversations/{conv.id}", headers={"Accept-Language": "de-DE"})
    twenty_four, twelve = _times(de.text)
    assert len(twenty_four) >= 4 and twelve == []
