"""Server CPU per request, one request at a time, for each kind of request the load bench sends.

Two ways, both on a SQLite file in a temporary folder with the load bench's world
(`bench_load._world`: 200 conversations, an integration's API token):

* `server` (the figure to report): one real server process started as the load bench starts it
  (uvicorn, analysis `real` or `fixed`), one kept-alive connection, requests sent one after the
  other; CPU from /proc for the server process and, apart, its analysis process. Each kind runs
  in batches alternated with the others; the median batch is reported. `--against DIR` (another
  checkout, e.g. `git worktree add /tmp/old <commit>`) starts its server too, with a world of its
  own, and alternates the batches between the two, so that a change in the machine's load meets
  both codes alike.
* `profile KIND`: the app in this process, called as an ASGI app on one event loop with the
  thread pool's work run inline, under cProfile (where a request's time goes; the figure itself
  is not the server's, uvicorn and the thread hand-overs are left out).

Run: `python -m benchmarks.request_cpu [server] [--analysis fixed] [--rounds 5] [--batch 100]
[--against DIR] [--kinds turn,chat,queue,health]`
or `python -m benchmarks.request_cpu profile turn|chat|queue|health [--n 300]`. Prints JSON (or
the profile's top functions) with the load average before and after. Not part of `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks import bench_load

KINDS = ("turn", "chat", "queue", "health")


def _request(kind: str, n: int, conv: int, token: str) -> tuple[str, str, dict[str, str], bytes]:
    headers = {"authorization": f"Bearer {token}"}
    if kind == "turn":
        body = json.dumps({"text": f"Where is my order {n}? It is late again."}).encode()
        headers |= {"content-type": "application/json", "idempotency-key": f"seq-{n}"}
        return "POST", f"/api/v1/conversations/{conv}/turns", headers, body
    if kind == "chat":
        return "GET", f"/api/v1/conversations/{conv}/chat", headers, b""
    if kind == "queue":
        return "GET", "/api/v1/conversations?limit=20", headers, b""
    return "GET", "/api/v1/health", {}, b""


async def _rounds(servers: list[_Server], rounds: int, batch: int, kinds: list[str]) -> None:
    for kind in kinds:  # warm-up: 20 of each
        for one in servers:
            for _ in range(20):
                await one.send(kind)
    for n in range(rounds):
        order = servers[n % len(servers) :] + servers[: n % len(servers)]
        for kind in kinds:
            for one in order:  # the servers alternate (first in turn), so load meets both alike
                await one.batch(kind, batch)
    for one in servers:
        one.client.close()


class _Server:
    """One server process of the code in `repo`, its world, and one kept-alive connection."""

    def __init__(self, repo: Path, url: str) -> None:
        self.repo = repo
        self.token, ids = bench_load._world(url)
        self.ids = ids[:-1]
        self.procs, bases = _start(repo, url)
        bench_load._warm(bases, self.token, ids[-1])
        host, port = bases[0].removeprefix("http://").split(":")
        self.client = bench_load._Connection(host, int(port))
        self.counter = 0
        self.cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.helper: list[float] = []

    async def send(self, kind: str) -> None:
        self.counter += 1
        conv = self.ids[self.counter % len(self.ids)]
        status = await self.client.request(*_request(kind, self.counter, conv, self.token))
        if status >= 300:
            raise RuntimeError(f"{kind}: HTTP {status} from {self.repo}")

    async def batch(self, kind: str, n: int) -> None:
        cpu, helper = bench_load._cpu_s(self.procs), bench_load._helper_cpu_s(self.procs)
        for _ in range(n):
            await self.send(kind)
        self.cpu[kind].append(1000 * (bench_load._cpu_s(self.procs) - cpu) / n)
        if kind == "turn":
            self.helper.append(1000 * (bench_load._helper_cpu_s(self.procs) - helper) / n)

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            kind: {"median_ms": _median(v), "rounds_ms": [round(x, 2) for x in v]}
            for kind, v in self.cpu.items()
            if v
        }
        out["turn_analysis_process"] = {"median_ms": _median(self.helper)}
        return out

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=20)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


def _start(repo: Path, url: str) -> tuple[list[Any], list[str]]:
    """`bench_load._start` for the code in `repo` (the load bench's server, one process)."""
    saved = bench_load.REPO
    bench_load.REPO = repo
    try:
        return bench_load._start(url, 1)
    finally:
        bench_load.REPO = saved


def server(
    analysis: str, rounds: int, batch: int, against: list[Path], kinds: list[str]
) -> dict[str, Any]:
    os.environ["CALMDESK_BENCH_LOAD_ANALYSIS"] = analysis
    load_before = os.getloadavg()
    repos = [bench_load.REPO, *against]
    servers: list[_Server] = []
    with tempfile.TemporaryDirectory() as folder:
        try:
            for n, repo in enumerate(repos):
                servers.append(_Server(repo, f"sqlite:///{Path(folder) / f'seq{n}.db'}"))
            asyncio.run(_rounds(servers, rounds, batch, kinds))
        finally:
            for one in servers:
                one.stop()
    return {
        "analysis": analysis, "rounds": rounds, "batch": batch,
        "code": {str(one.repo): one.figures() for one in servers},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }  # fmt: skip


async def _asgi(app: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
    target, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "method": method, "scheme": "http", "path": target,
        "raw_path": target.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1")]
        + [(k.encode(), v.encode()) for k, v in headers.items()]
        + ([(b"content-length", str(len(body)).encode())] if method == "POST" else []),
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def _inline_threads() -> None:
    """Run the thread pool's work inline, so one cProfile sees a request's whole path."""
    import anyio.to_thread
    import starlette.concurrency

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("abandon_on_cancel", None)
        kwargs.pop("limiter", None)
        return func(*args, **kwargs)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    starlette.concurrency.run_in_threadpool = inline  # type: ignore[assignment]
    import fastapi.concurrency
    import fastapi.dependencies.utils
    import fastapi.routing

    for module in (fastapi.concurrency, fastapi.dependencies.utils, fastapi.routing):
        module.run_in_threadpool = inline  # type: ignore[attr-defined]
    import calmdesk.web.deps

    calmdesk.web.deps.run_in_threadpool = inline  # type: ignore[assignment]


def profile(kind: str, n: int, analysis: str, top: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'prof.db'}"
        token, ids = bench_load._world(url)
        os.environ.update({"CALMDESK_DATABASE_URL": url, "CALMDESK_HUEY_BACKEND": "memory",
                           "CALMDESK_SECRET_KEY": "load-bench-secret"})  # fmt: skip
        _inline_threads()
        from calmdesk.config import Settings
        from calmdesk.web import create_app

        analyzer = None
        if analysis == "fixed":
            from benchmarks.fixed_signals import FixedSignals

            analyzer = FixedSignals()
        app = create_app(Settings(), analyzer=analyzer)

        async def main() -> None:
            async with app.router.lifespan_context(app):
                from calmdesk.analysis import scoring
                from calmdesk.web.console import review

                review.wait_warmed()  # the models' loader threads would share the profile
                scoring.wait_warmed()
                call: Callable[[int], Awaitable[int]] = lambda i: _asgi(  # noqa: E731
                    app, *_request(kind, i, ids[i % (len(ids) - 1)], token)
                )
                for i in range(30):
                    await call(i)
                prof = cProfile.Profile()
                cpu = time.process_time()
                prof.enable()
                for i in range(30, 30 + n):
                    if (status := await call(i)) >= 300:
                        raise RuntimeError(f"{kind}: HTTP {status}")
                prof.disable()
                per = 1000 * (time.process_time() - cpu) / n
                load = os.getloadavg()
                print(f"{kind}: {per:.2f} ms CPU per request under cProfile, load {load}")
                stats = pstats.Stats(prof, stream=sys.stdout)
                stats.sort_stats("cumulative").print_stats(top)
                stats.sort_stats("tottime").print_stats(top)

        asyncio.run(main())


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.request_cpu")
    parser.add_argument("mode", nargs="?", default="server", choices=["server", "profile"])
    parser.add_argument("kind", nargs="?", default="turn", choices=KINDS)
    parser.add_argument("--analysis", default="real", choices=["real", "fixed"])
    parser.add_argument("--kinds", default=",".join(KINDS), help="e.g. turn,chat (server mode)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--against", type=Path, action="append", default=[],
                        help="another checkout; its server alternates with this one's")  # fmt: skip
    args = parser.parse_args(argv)
    if args.mode == "profile":
        profile(args.kind, args.n, args.analysis, args.top)
    else:
        kinds = [k for k in args.kinds.split(",") if k in KINDS]
        print(json.dumps(server(args.analysis, args.rounds, args.batch, args.against, kinds)))


if __name__ == "__main__":
    main(sys.argv[1:])
