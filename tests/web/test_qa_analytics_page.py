"""The analytics page: supervisors and admins only, the numbers under each chart, CSV per chart."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from tests.factories import World
from tests.web.console_support import db_url, login, parse  # noqa: F401

from calmdesk.actions import Actor, add_customer_turn, escalate, resolve_conversation
from calmdesk.actions.csat import answer_csat, ask_csat
from calmdesk.actions.qa import score_stored_conversations

PERIOD = "since=2026-01-01&until=2026-12-31"


def _records(world: World) -> None:
    job = Actor.system("t")
    for score in (1, 4, 4):
        c = world.open(world.calm_customer)
        customer = Actor.for_customer(world.calm_customer.id)
        add_customer_turn(world.ctx, customer, c.id, "Where is my order?")
        if score == 1:
            escalate(world.ctx, world.actor(world.supervisor), c.id, '=HYPERLINK("x")')
        resolve_conversation(world.ctx, world.actor(world.supervisor), c.id, "answered")
        ask_csat(world.ctx, job, c.id)
        answer_csat(world.ctx, customer, c.id, score)
    score_stored_conversations(world.ctx, job)


def test_qa_analytics_page_shows_the_numbers_under_each_chart(
    client: TestClient, world: World
) -> None:
    _records(world)
    login(client, "sam")
    page = parse(client.get(f"/console/qa/analytics?{PERIOD}").text)
    table = page.find("table", data_chart_name="csat")
    cells = [[td.text for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]
    assert cells == [["1", "1"], ["2", "0"], ["3", "0"], ["4", "2"], ["5", "0"]]
    canvas = page.by_id("chart-csat").find("canvas")
    spec = json.loads(canvas.attrs["data-chart"])
    assert spec["data"]["datasets"][0]["data"] == [1, 0, 0, 2, 0]
    assert (
        page.by_id("chart-csat")
        .find("a", class_="qa-csv")
        .attrs["href"]
        .startswith("/console/qa/analytics/csat.csv?since=2026-01-01")
    )


def test_qa_analytics_csv_matches_the_table_and_defuses_formulas(
    client: TestClient, world: World
) -> None:
    _records(world)
    login(client, "ada")
    answer = client.get(f"/console/qa/analytics/csat.csv?{PERIOD}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(answer.text))) == [
        ["score", "answers"], ["1", "1"], ["2", "0"], ["3", "0"], ["4", "2"], ["5", "0"]
    ]  # fmt: skip
    rows = list(
        csv.reader(io.StringIO(client.get(f"/console/qa/analytics/escalations.csv?{PERIOD}").text))
    )
    assert rows[1][2].startswith("'=HYPERLINK")


def test_qa_analytics_is_for_supervisors_and_admins(client: TestClient, world: World) -> None:
    login(client, "cal")
    assert client.get("/console/qa/analytics").status_code == 403
    assert client.get("/console/qa/analytics/csat.csv").status_code == 403


def test_qa_analytics_refuses_bad_filters(client: TestClient, world: World) -> None:
    login(client, "sam")
    assert client.get("/console/qa/analytics?since=yesterday").status_code == 400
    assert client.get("/console/qa/analytics?team=abc").status_code == 400
    assert client.get("/console/qa/analytics?since=2026-05-01&until=2026-04-01").status_code == 400
    assert client.get("/console/qa/analytics/nope.csv").status_code == 404
