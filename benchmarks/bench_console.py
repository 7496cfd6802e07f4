"""The agent console measured on this machine: live coaching latency and page times.

* pause_to_checks_ms: in Debian's chromium, an agent types a draft into the reply box; the time
  from the last keystroke (its `input` event) to the updated checks on screen (htmx
  `afterSettle` of the review panel). It includes the debounce (`delay:200ms` in the
  template), the request, the review and the swap. Target: under 300 ms.
* review_request_ms: the review partial alone over HTTP (httpx to the same server).
* queue_ms / conversation_ms: the two main pages over HTTP.

The server is the real app (`calmdesk serve`) over a fresh SQLite file with the demo data
(`calmdesk db upgrade && calmdesk seed`). Run: `python -m benchmarks.bench_console`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

DRAFTS = [
    "I'm sorry your order is late. I will call you by tomorrow 5pm with the courier's answer.",
    "That is not our fault, you should have checked the tracking page.",
    "I understand how frustrating this is. I can send a replacement or refund you, which works?",
    "CALM DOWN. We are doing what we can.",
    "Thanks for your patience. I've escalated this to my supervisor, who will reply today.",
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
_WATCH = """() => {
  window.__settled = [];
  window.__lastKey = 0;
  window.__sent = [];
  document.addEventListener('input', () => { window.__lastKey = performance.now(); }, true);
  document.body.addEventListener('htmx:beforeRequest', (e) => {
    const path = (e.detail.pathInfo || {}).requestPath || '';
    if (path.endsWith('/review')) { window.__sent.push(performance.now()); }
  });
  document.body.addEventListener('htmx:afterSettle', (e) => {
    const path = (e.detail.pathInfo || {}).requestPath || '';
    if (path.endsWith('/review')) { window.__settled.push(performance.now()); }
  });
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1), "n": len(ordered)}


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    port = _free_port()
    env = {
        **os.environ,
        "CALMDESK_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "CALMDESK_SECRET_KEY": secrets.token_urlsafe(32),
        "CALMDESK_HUEY_BACKEND": "memory",
    }
    exe = str(Path(sys.executable).with_name("calmdesk"))
    for args in (["db", "upgrade"], ["seed"]):
        subprocess.run([exe, *args], env=env, check=True, capture_output=True)
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return proc, url, env
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("calmdesk serve did not start")


def _login(client: httpx.Client, url: str) -> tuple[str, str]:
    page = client.get(f"{url}/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"username": "agent", "password": "calmdesk-agent", "csrf_token": token}
    client.post(f"{url}/console/login", data=form)
    queue = client.get(f"{url}/console").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', queue).group(1)  # type: ignore[union-attr]
    first = re.search(r'href="/console/conversations/(\d+)"', queue).group(1)  # type: ignore[union-attr]
    return csrf, first


def _timed(call: Any, times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        call().raise_for_status()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _http(url: str) -> dict[str, Any]:
    with httpx.Client(timeout=10) as client:
        csrf, conv = _login(client, url)
        headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        review = f"{url}/console/conversations/{conv}/review"
        drafts = iter(DRAFTS * 20)
        return {
            "review_request_ms": _stats(
                _timed(
                    lambda: client.post(review, data={"text": next(drafts)}, headers=headers), 60
                )
            ),  # fmt: skip
            "queue_ms": _stats(_timed(lambda: client.get(f"{url}/console"), 20)),
            "conversation_ms": _stats(
                _timed(lambda: client.get(f"{url}/console/conversations/{conv}"), 20)
            ),
        }


def _browser(url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    waits: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/console/login")
        page.get_by_label("Username").fill("agent")
        page.get_by_label("Password").fill("calmdesk-agent")
        page.get_by_role("button", name="Log in").click()
        page.locator("#queue tbody tr a").first.click()
        page.wait_for_selector("#reply-draft")
        page.evaluate(_WATCH)
        box = page.locator("#reply-draft")
        for draft in DRAFTS * 3:
            box.fill("")
            box.press_sequentially(draft[:60], delay=35)
            waits.append(_wait_for_checks(page))
        browser.close()
    return {"pause_to_checks_ms": _stats(waits), "debounce_ms": 200}


def _wait_for_checks(page: Any) -> float:
    """Milliseconds from the last keystroke to the review panel settling after it."""
    for _ in range(250):
        last_key = page.evaluate("window.__lastKey")
        settled = page.evaluate("window.__settled.filter(t => t > window.__lastKey)")
        if settled:
            return float(settled[0] - last_key)
        time.sleep(0.02)
    raise RuntimeError("the review panel did not update within 5 s")


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="calmdesk-bench-console-") as tmp:
        proc, url, _ = _start(Path(tmp))
        try:
            return {**_http(url), **_browser(url)}
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
