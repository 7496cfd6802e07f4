"""Browser fixtures: the real app under uvicorn with a fresh seeded database, and Debian's chromium.

The server is `calmdesk serve` on 127.0.0.1 and a free port, over a SQLite file that `calmdesk db
upgrade` and `calmdesk seed` prepared, exactly as `make run` does. Tests add their own records
through the actions (the same database file) and drive the pages through Playwright.
Screenshots go to `$CALMDESK_ARTIFACTS` (default: a pytest temporary folder).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from calmdesk.actions import ActionContext
from calmdesk.config import Settings
from calmdesk.storage import make_engine, make_session_factory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_START_TIMEOUT_S = 90
_CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : '';
  window.__csp.push(e.violatedDirective + ' ' + where + ' ' + e.sample);
});
"""


@dataclass
class LiveServer:
    url: str
    settings: Settings
    ctx: ActionContext
    artifacts: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> None:
    exe = Path(sys.executable).with_name("calmdesk")
    done = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"calmdesk {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"calmdesk serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"calmdesk serve did not answer within {_START_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("CALMDESK_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def widget_host_port() -> int:
    """The port of the page on another site that embeds the widget (an allowed origin)."""
    return _free_port()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts: Path, widget_host_port: int
) -> Iterator[LiveServer]:
    """`calmdesk db upgrade && calmdesk seed && calmdesk serve` on a free loopback port."""
    folder = tmp_path_factory.mktemp("live")
    port = _free_port()
    env = {
        **os.environ,
        "CALMDESK_WIDGET_ALLOWED_ORIGINS": f"http://localhost:{widget_host_port}",
        "CALMDESK_DATABASE_URL": f"sqlite:///{folder / 'calmdesk.db'}",
        "CALMDESK_SECRET_KEY": secrets.token_urlsafe(32),
        "CALMDESK_HUEY_BACKEND": "memory",
        "CALMDESK_HUEY_PATH": str(folder / "jobs.db"),
        "CALMDESK_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    _cli(env, "db", "upgrade")
    _cli(env, "seed")
    log = folder / "server.log"
    exe = Path(sys.executable).with_name("calmdesk")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc, log)
        settings = Settings(
            database_url=env["CALMDESK_DATABASE_URL"], secret_key=env["CALMDESK_SECRET_KEY"],
            _env_file=None,  # type: ignore[call-arg]
        )  # fmt: skip
        engine = make_engine(settings.database_url)
        ctx = ActionContext(make_session_factory(engine), settings)
        yield LiveServer(url, settings, ctx, artifacts, log)
        engine.dispose()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; run `make system-deps` (installs Debian's chromium).")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (separate cookies), each watching for script dialogs."""
    contexts = []

    def make(width: int = 1440, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(_CSP_WATCH)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []  # type: ignore[attr-defined]
        page.errors = []  # type: ignore[attr-defined]
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
