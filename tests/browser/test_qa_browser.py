"""The analytics charts in chromium: chart.js (vendored) draws the series the records give."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from calmdesk.actions import Actor
from calmdesk.actions.csat import answer_csat, ask_csat
from calmdesk.actions.qa import score_stored_conversations
from calmdesk.demo import DEMO_USERS
from calmdesk.storage import Conversation, ConversationStatus
from calmdesk.storage.qa import CsatSurvey

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SYSTEM = Actor.system("browser-tests")
PERIOD = "since=2000-01-01&until=2099-12-31"


def _answers(server) -> list[int]:
    """CSAT answers for every resolved demo conversation (1, 2, 3, ... by turn), then the count
    of each score as the database holds it."""
    with server.ctx.sessions() as session:
        resolved = list(session.scalars(select(Conversation).where(
            Conversation.status == ConversationStatus.RESOLVED
        )))  # fmt: skip
    for i, c in enumerate(resolved):
        if ask_csat(server.ctx, SYSTEM, c.id).survey is not None:
            answer_csat(server.ctx, Actor.for_customer(c.customer_id), c.id, i % 5 + 1)
    with server.ctx.sessions() as session:
        counts = dict(session.execute(
            select(CsatSurvey.score, func.count()).where(CsatSurvey.score.is_not(None))
            .group_by(CsatSurvey.score)
        ).all())  # fmt: skip
    return [int(counts.get(s, 0)) for s in range(1, 6)]


def test_browser_analytics_chart_draws_the_csat_series(new_page, live_server) -> None:
    expected = _answers(live_server)
    assert sum(expected) > 0
    score_stored_conversations(live_server.ctx, SYSTEM)
    page = new_page()
    page.goto(f"{live_server.url}/console/login")
    page.get_by_label("Username").fill("admin")  # sees every team
    page.get_by_label("Password").fill(DEMO_USERS["admin"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/console")
    page.goto(f"{live_server.url}/console/qa/analytics?{PERIOD}")
    canvas = page.locator("#chart-csat canvas")
    page.wait_for_function("() => document.querySelector('#chart-csat canvas').qaChart")
    drawn = canvas.evaluate("c => c.qaChart.data.datasets[0].data")
    labels = canvas.evaluate("c => c.qaChart.data.labels")
    assert drawn == expected and labels == ["1", "2", "3", "4", "5"]
    assert canvas.evaluate("c => window.Chart.getChart(c) === c.qaChart")
    painted = canvas.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }"
    )
    assert painted > 100  # the bars are on the canvas, not only in its data
    trend = page.locator("#chart-review_trend canvas")
    assert trend.evaluate("c => c.qaChart.config.type") == "line"
    assert page.evaluate("() => window.__csp") == [] and page.errors == []  # type: ignore[attr-defined]
