"""What a person sees when something goes wrong: HTML error pages in the console's style, and
/docs served from the vendored Swagger UI (nothing from a CDN)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.console_support import login, parse

STATIC = Path(__file__).parents[2] / "src" / "calmdesk" / "web" / "static"


def _error_page(answer, status: int) -> str:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    page = parse(answer.text)
    assert page.find("link", rel="stylesheet").attrs["href"].startswith("/static/css/calmdesk.css")
    alert = page.find("section", role="alert")
    assert alert.find("a", href="/console").text == "Back to the queue"
    return alert.text


def test_desk_pages_unknown_console_page_is_an_html_404(client) -> None:
    login(client, "cal")
    text = _error_page(client.get("/console/no-such-page"), 404)
    assert "There is no such page" in text


def test_desk_pages_forbidden_page_is_an_html_403(client) -> None:
    login(client, "cal")
    assert "supervisors" in _error_page(client.get("/console/supervisor"), 403)


def test_desk_pages_crash_is_an_html_500_without_internals(app, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("calmdesk.web.console.routes.supervisor_board", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "sam")
        answer = client.get("/console/supervisor")
    text = _error_page(answer, 500)
    assert "unexpected problem" in text and "secret" not in answer.text


def test_desk_pages_api_errors_stay_json(client) -> None:
    answer = client.get("/api/v1/no-such-route")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "E201"


@pytest.mark.parametrize("url", ["/docs"])
def test_desk_pages_docs_are_served_offline(client, url: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 200
    page = parse(answer.text)
    sources = [s.attrs["src"] for s in page.find_all("script")]
    sheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert all(u.startswith("/static/") for u in sources + sheets), sources + sheets
    for asset in sources + sheets:
        assert client.get(asset).status_code == 200, asset
    assert (STATIC / "vendor" / "swagger-ui" / "LICENSE").read_text().find("Apache") >= 0
    assert "script-src 'self'" in answer.headers["content-security-policy"]
