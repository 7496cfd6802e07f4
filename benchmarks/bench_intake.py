"""Intake measured: email ingest with the real analysis, and the widget's first paint.

* `deliver`: messages/s of `deliver_bytes` (parse, strip quotes, store once, analyse the
  conversation with the real models, rules, timers, audit) in one process, over new cases and
  threaded replies; the model load is done before timing and reported apart;
* `deliver_cli`: seconds per `calmdesk mail deliver` process (what an MTA pipe pays per message:
  interpreter start, imports, model load, then one message);
* `fetch`: messages/s of `fetch_mailbox` from a throwaway Dovecot on loopback (IMAP round trips
  plus the same ingest);
* `widget`: in Debian's chromium over loopback, a page on another origin with the widget script:
  time from navigation start to the bubble's first paint (the script is `async`), and from the
  click to the frame's first contentful paint.

SQLite file on the real disk (WAL, synchronous=FULL). Run: `python -m benchmarks.run intake`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from calmdesk.actions import ActionContext, Actor, create_team
from calmdesk.config import Settings
from calmdesk.storage import make_engine, make_session_factory, upgrade

SYSTEM = Actor.system("bench")
N_DELIVER = 200
N_FETCH = 150
TEXTS = [
    "My parcel {n} is a week late and nobody answers. This is ridiculous!",
    "Hello, I was charged twice for order {n}. Could you refund one of the payments?",
    "The blender from order {n} arrived cracked. I want a replacement please.",
    "Thanks for the quick help with {n}, all sorted now.",
]


def _message(n: int, reply_to: int | None = None) -> bytes:
    thread = f"In-Reply-To: <b{reply_to}@bench.example>\r\n" if reply_to is not None else ""
    body = TEXTS[n % len(TEXTS)].format(n=n) + (
        f"\r\n\r\nOn Mon, 2 Mar 2026, Support <orders@calm.test> wrote:\r\n> earlier text {n}\r\n"
    )
    return (
        f"From: Customer {n % 37} <c{n % 37}@bench.example>\r\nTo: orders@calm.test\r\n"
        f"Subject: Order {n}\r\nMessage-ID: <b{n}@bench.example>\r\n{thread}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()


def _corpus(count: int, offset: int = 0) -> list[bytes]:
    return [_message(offset + n, offset + n - 3 if n % 2 and n >= 3 else None)
            for n in range(count)]  # fmt: skip


def _context(folder: Path) -> tuple[ActionContext, Settings]:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url, attachments_dir=folder / "files", mail_from="Orders <orders@calm.test>",
        secret_key="bench-secret",
    )  # fmt: skip
    ctx = ActionContext(make_session_factory(make_engine(url)), settings)
    create_team(ctx, SYSTEM, "Orders")
    return ctx, settings


def _deliver(ctx: ActionContext) -> dict[str, Any]:
    from calmdesk.channels.email.ingest import deliver_bytes

    start = time.perf_counter()
    deliver_bytes(ctx, _message(10_000))  # loads the models
    warm = time.perf_counter() - start
    corpus = _corpus(N_DELIVER)
    start = time.perf_counter()
    for raw in corpus:
        deliver_bytes(ctx, raw)
    took = time.perf_counter() - start
    return {"messages": N_DELIVER, "seconds": round(took, 2),
            "messages_per_s": round(N_DELIVER / took, 1), "first_message_with_model_load_s":
            round(warm, 2), "target_per_s": 50}  # fmt: skip


def _deliver_cli(folder: Path, settings: Settings) -> dict[str, Any]:
    env = {**os.environ, "CALMDESK_DATABASE_URL": settings.database_url,
           "CALMDESK_SECRET_KEY": settings.secret_key,
           "CALMDESK_ATTACHMENTS_DIR": str(settings.attachments_dir)}  # fmt: skip
    exe = Path(sys.executable).with_name("calmdesk")
    samples = []
    for n in range(5):
        start = time.perf_counter()
        done = subprocess.run([str(exe), "mail", "deliver"], input=_message(20_000 + n),
                              env=env, capture_output=True, check=False)  # fmt: skip
        samples.append(time.perf_counter() - start)
        if done.returncode != 0:
            return {"error": done.stderr.decode()[-500:]}
    return {"runs": len(samples), "median_s_per_message": round(statistics.median(samples), 2)}


def _fetch(ctx: ActionContext) -> dict[str, Any]:
    import imaplib

    from tests.channels.dovecot import dovecot_server

    from calmdesk.channels.email.imap import fetch_mailbox, mailboxes

    with dovecot_server() as server:
        client = imaplib.IMAP4(server.host, server.port)
        client.login(server.user, server.password)
        for raw in _corpus(N_FETCH, offset=50_000):
            client.append("INBOX", None, None, raw)
        client.logout()
        (box,) = mailboxes([server.box()])
        start = time.perf_counter()
        report = fetch_mailbox(ctx, box)
        took = time.perf_counter() - start
    return {"messages": report.fetched, "stored": report.stored, "seconds": round(took, 2),
            "messages_per_s": round(report.fetched / took, 1), "target_per_s": 50}  # fmt: skip


def _widget(settings: Settings) -> dict[str, Any]:
    import socket

    import uvicorn
    from playwright.sync_api import sync_playwright

    from calmdesk.web import create_app

    def free() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    port, host_port = free(), free()
    settings = settings.model_copy(
        update={"widget_allowed_origins": f"http://localhost:{host_port}"}
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    threading.Thread(target=server.run, daemon=True).start()
    script = f'<script src="http://127.0.0.1:{port}/widget.js" data-team="Orders" async></script>'
    page_html = f"<!doctype html><html><body><h1>Shop</h1>{script}</body></html>".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args: object) -> None:
            return

    host = ThreadingHTTPServer(("127.0.0.1", host_port), Handler)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    bubble, frame_paint = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            for _ in range(7):
                context = browser.new_context()
                page = context.new_page()
                page.goto(f"http://localhost:{host_port}/")
                page.wait_for_selector("#calmdesk-bubble")
                bubble.append(page.evaluate(
                    "new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                    "() => r(performance.now()))))"))  # fmt: skip
                clicked = page.evaluate("performance.now()")
                page.click("#calmdesk-bubble")
                child = page.wait_for_selector("#calmdesk-frame").content_frame()
                assert child is not None
                child.wait_for_selector("#widget-start")
                fcp = child.evaluate(
                    "new Promise(r => { const e = performance.getEntriesByName("
                    "'first-contentful-paint'); if (e.length) r(e[0].startTime); else new "
                    "PerformanceObserver(l => r(l.getEntries()[0].startTime)).observe("
                    "{type: 'paint', buffered: true}); })")  # fmt: skip
                origin = child.evaluate("performance.timeOrigin")
                top = page.evaluate("performance.timeOrigin")
                frame_paint.append(origin + fcp - (top + clicked))
                context.close()
            browser.close()
    finally:
        server.should_exit = True
        host.shutdown()
    return {
        "bubble_painted_ms_median": round(statistics.median(bubble[1:]), 1),
        "frame_first_contentful_paint_after_click_ms_median":
            round(statistics.median(frame_paint[1:]), 1),
        "runs": len(bubble) - 1, "target_ms": 300,
        "widget_js_bytes": (Path(__file__).resolve().parents[1]
                            / "src/calmdesk/web/static/widget.js").stat().st_size,
    }  # fmt: skip


def run() -> dict[str, Any]:
    result: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="calmdesk-bench-intake-", dir=".") as tmp:
        ctx, settings = _context(Path(tmp))
        result["deliver"] = _deliver(ctx)
        result["fetch"] = _fetch(ctx)
        result["deliver_cli"] = _deliver_cli(Path(tmp), settings)
        result["widget"] = _widget(settings)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
