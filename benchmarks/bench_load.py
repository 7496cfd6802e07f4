"""Load: 50 clients, 100 customer turns/s plus 300 reads/s against a real server process.

The target (issue 9): p95 < 150 ms, p99 < 500 ms, 0 errors, on SQLite with one process and on
PostgreSQL with two, analysis on. The load comes through an integration's API token (posting
customer turns for many conversations), so the default limits apply unchanged.

Open loop: requests are started on a fixed schedule whatever the server's speed, so a slow server
shows up as latency and errors, not as a lower offered rate. Latency is measured from the planned
start time (so queueing in the client counts too).

Both variants run by default, one after the other: `sqlite` (a temporary SQLite file on the
ordinary disk, one server process) and `postgres` (a throwaway PostgreSQL 15 cluster started by
`benchmarks/pg.py`, data on the ordinary disk, two server processes with the live hub on
LISTEN/NOTIFY; the clients spread their requests over both, as a reverse proxy would). Before the
measured window each process answers one turn and one read (the models load on first use). The
load average of the machine is recorded before and after: figures taken on a busy machine are
upper bounds on latency.

Environment: CALMDESK_BENCH_LOAD_SECONDS (default 20), CALMDESK_BENCH_LOAD_TURNS (per second, 100),
CALMDESK_BENCH_LOAD_READS (per second, 300), CALMDESK_BENCH_LOAD_ANALYSIS (`real` default, or
`fixed` for the FixedSignals stand-in), CALMDESK_BENCH_LOAD_VARIANTS (`sqlite,postgres` default),
CALMDESK_BENCH_LOAD_DB (a PostgreSQL URL to use instead of the throwaway cluster),
CALMDESK_BENCH_LOAD_PROCESSES (server processes of the postgres variant, default 2),
CALMDESK_BENCH_LOAD_PYSPY (a folder: each server process is sampled by `py-spy record --format
raw` into `<folder>/<variant>-<n>.txt`, to see where a request's time goes; with
CALMDESK_BENCH_LOAD_PYSPY_GIL=1 only the thread holding the GIL is sampled;
CALMDESK_BENCH_LOAD_PYSPY_RATE samples per second, default 40).

CPU is reported per server process group: `server_cpu_ms_per_request` (the server processes, over
all requests served) and `analysis_process_cpu_ms_per_turn` (the analysis processes the servers
start, `actions/analysis_process.py`, over the turns served).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import httpx

from benchmarks.pg import throwaway_postgres
from calmdesk.actions import (
    ActionContext,
    Actor,
    create_api_token,
    create_customer,
    create_team,
    create_user,
    open_conversation,
)
from calmdesk.config import Settings
from calmdesk.storage import make_engine, make_session_factory, upgrade

CLIENTS = 50
CONVERSATIONS = 200
SYSTEM = Actor.system("bench")
REPO = Path(__file__).resolve().parents[1]
SERVER = """
import os, sys, uvicorn
from calmdesk.config import Settings
from calmdesk.web import create_app
analyzer = None
if os.environ.get("CALMDESK_BENCH_LOAD_ANALYSIS") == "fixed":
    from benchmarks.fixed_signals import FixedSignals
    analyzer = FixedSignals()
app = create_app(Settings(), analyzer=analyzer)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, timeout_keep_alive=75)  # as `calmdesk serve`
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _world(url: str) -> tuple[str, list[int]]:
    upgrade(url)
    engine = make_engine(url)
    ctx = ActionContext(make_session_factory(engine), Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    team = create_team(ctx, SYSTEM, "Orders")
    user = create_user(ctx, SYSTEM, username="integration", password="bench password",
                       role="admin", team_id=team.id)  # fmt: skip
    token, _ = create_api_token(ctx, SYSTEM, user.id, "load bench")
    ids = []
    for n in range(CONVERSATIONS):
        customer = create_customer(ctx, SYSTEM, name=f"Customer {n}")
        conv = open_conversation(ctx, SYSTEM, customer_id=customer.id, channel="chat",
                                 team_id=team.id)  # fmt: skip
        ids.append(conv.id)
    engine.dispose()
    return token, ids


def _start(url: str, processes: int) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    env = {
        **os.environ,
        "CALMDESK_DATABASE_URL": url,
        "CALMDESK_HUEY_BACKEND": "memory",
        "CALMDESK_SECRET_KEY": "load-bench-secret",
        "PYTHONPATH": f"{REPO / 'src'}:{REPO}",
    }
    if processes > 1:
        env["CALMDESK_LIVE_BACKEND"] = "postgres"
    procs, bases = [], []
    for _ in range(processes):
        port = _free_port()
        command = [sys.executable, "-c", SERVER, str(port)]
        procs.append(subprocess.Popen(command, cwd=REPO, env=env))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    for base in bases:
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
    return procs, bases


def _warm(bases: list[str], token: str, conv: int) -> None:
    """One turn and one read per process, outside the measured window (models load lazily)."""
    headers = {"Authorization": f"Bearer {token}"}
    for base in bases:
        answer = httpx.post(f"{base}/api/v1/conversations/{conv}/turns", headers=headers,
                            json={"text": "Hello, is anyone there?"}, timeout=120)  # fmt: skip
        answer.raise_for_status()
        httpx.get(f"{base}/api/v1/conversations?limit=20", headers=headers, timeout=60)


def _pyspy(procs: list[subprocess.Popen[bytes]], variant: str,
           seconds: float) -> list[subprocess.Popen[bytes]]:  # fmt: skip
    folder = os.environ.get("CALMDESK_BENCH_LOAD_PYSPY")
    if not folder:
        return []
    Path(folder).mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    spies = []
    for n, proc in enumerate(procs):
        out = str(Path(folder) / f"{variant}-{n}.txt")
        command = [spy, "record", "-p", str(proc.pid), "--format", "raw", "-r",
                   os.environ.get("CALMDESK_BENCH_LOAD_PYSPY_RATE", "40"),
                   "-d", str(int(seconds) + 1), "-o", out]  # fmt: skip
        if os.environ.get("CALMDESK_BENCH_LOAD_PYSPY_GIL"):
            command.append("--gil")  # only the thread holding the GIL: where Python's CPU goes
        spies.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    return spies


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) one process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The processes `pid` started (the analysis process of a server: actions/analysis_process)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _cpu_s(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds the server processes have used so far."""
    try:
        return sum(_cpu_of(proc.pid) for proc in procs)
    except OSError:
        return float("nan")


def _helper_cpu_s(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds the servers' analysis processes have used so far."""
    try:
        return sum(_cpu_of(child) for proc in procs for child in _children(proc.pid))
    except OSError:
        return float("nan")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


class _Connection:
    """One client's kept-alive HTTP/1.1 connection: a request written, its answer read.

    The load is generated by one Python process, so the client must cost far less than the
    server: httpx's AsyncClient cost 3.4 ms of CPU per request on this machine (7.5 ms under the
    bench's load, as much as the server), a raw exchange on asyncio streams about 0.04 ms."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> int:  # fmt: skip
        """The answer's status; the body is read (and dropped). Raises on a broken connection."""
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"content-length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        fields = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
        }
        if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        else:
            await self.reader.readexactly(int(fields.get(b"content-length", b"0")))
        if fields.get(b"connection", b"").lower() == b"close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(bases: list[str], token: str, ids: list[int], seconds: float,
                turns_per_s: int, reads_per_s: int) -> dict[str, Any]:  # fmt: skip
    headers = {"authorization": f"Bearer {token}"}
    posting = headers | {"content-type": "application/json"}
    results: dict[str, list[float]] = {"turn": [], "read": []}
    errors: dict[str, int] = {}
    # the 50 clients: each a kept-alive connection to one server process, at most 50 requests
    # in flight; a request takes the next free client of its process
    pools: dict[str, asyncio.Queue[_Connection]] = {}
    for n in range(CLIENTS):
        base = bases[n % len(bases)]
        host, port = base.removeprefix("http://").split(":")
        pools.setdefault(base, asyncio.Queue()).put_nowait(_Connection(host, int(port)))

    async def one(kind: str, n: int, planned: float) -> None:
        base = bases[n % len(bases)]
        conv = ids[n % len(ids)]
        client = await pools[base].get()
        try:
            if kind == "turn":
                body = json.dumps({"text": f"Where is my order {n}? It is late again."})
                call = client.request("POST", f"/api/v1/conversations/{conv}/turns",
                                      posting | {"idempotency-key": f"load-{n}"},
                                      body.encode())  # fmt: skip
            elif n % 3:
                call = client.request("GET", f"/api/v1/conversations/{conv}/chat", headers)
            else:
                call = client.request("GET", "/api/v1/conversations?limit=20", headers)
            code = await asyncio.wait_for(call, timeout=30.0)
            status = str(code) if code >= 300 else ""
        except (TimeoutError, OSError, EOFError, ValueError, asyncio.LimitOverrunError) as err:
            client.close()  # the next request on this client connects again
            status = type(err).__name__
        finally:
            pools[base].put_nowait(client)
        if status:
            errors[f"{kind}:{status}"] = errors.get(f"{kind}:{status}", 0) + 1
        else:
            results[kind].append((time.perf_counter() - planned) * 1000)

    plan: list[tuple[float, str, int]] = []
    for i in range(int(seconds * turns_per_s)):
        plan.append((i / turns_per_s, "turn", i))
    for i in range(int(seconds * reads_per_s)):
        plan.append((i / reads_per_s, "read", i))
    plan.sort()
    start = time.perf_counter()
    tasks = []
    for offset, kind, n in plan:
        delay = start + offset - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(kind, n, start + offset)))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - start
    for queue in pools.values():
        while not queue.empty():
            queue.get_nowait().close()
    out: dict[str, Any] = {"seconds": round(wall, 1), "errors": errors}
    for kind, values in results.items():
        out[kind] = {
            "ok": len(values), "per_s": round(len(values) / wall, 1),
            "p50_ms": _pct(values, 0.50), "p95_ms": _pct(values, 0.95),
            "p99_ms": _pct(values, 0.99),
            "mean_ms": round(statistics.fmean(values), 1) if values else None,
        }  # fmt: skip
    return out


def _variant(variant: str, seconds: float, turns: int, reads: int) -> dict[str, Any]:
    processes = int(os.environ.get("CALMDESK_BENCH_LOAD_PROCESSES", "2"))
    given = os.environ.get("CALMDESK_BENCH_LOAD_DB")
    with tempfile.TemporaryDirectory() as folder:
        database: AbstractContextManager[str]
        if variant == "sqlite":
            processes = 1
            database = nullcontext(f"sqlite:///{Path(folder) / 'load.db'}")
        else:
            database = nullcontext(given) if given else throwaway_postgres()
        with database as url:
            token, ids = _world(url)
            procs, bases = _start(url, processes)
            try:
                _warm(bases, token, ids[-1])
                load_before = os.getloadavg()
                spies = _pyspy(procs, variant, seconds)
                cpu_before, helper_before = _cpu_s(procs), _helper_cpu_s(procs)
                result = asyncio.run(_load(bases, token, ids[:-1], seconds, turns, reads))
                cpu = _cpu_s(procs) - cpu_before
                helper_cpu = _helper_cpu_s(procs) - helper_before
                for spy in spies:
                    spy.wait(timeout=120)
                load_after = os.getloadavg()
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait(timeout=20)
    served = result["turn"]["ok"] + result["read"]["ok"]
    return result | {
        "processes": processes, "database": variant,
        "server_cpu_s": round(cpu, 1),
        "server_cpu_ms_per_request": round(1000 * cpu / served, 1) if served else None,
        "analysis_process_cpu_s": round(helper_cpu, 1),
        "analysis_process_cpu_ms_per_turn": (
            round(1000 * helper_cpu / result["turn"]["ok"], 1) if result["turn"]["ok"] else None
        ),
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in load_after],
    }  # fmt: skip


def run() -> dict[str, Any]:
    seconds = float(os.environ.get("CALMDESK_BENCH_LOAD_SECONDS", "20"))
    turns = int(os.environ.get("CALMDESK_BENCH_LOAD_TURNS", "100"))
    reads = int(os.environ.get("CALMDESK_BENCH_LOAD_READS", "300"))
    variants = os.environ.get("CALMDESK_BENCH_LOAD_VARIANTS", "sqlite,postgres").split(",")
    result: dict[str, Any] = {
        "clients": CLIENTS, "offered_turns_per_s": turns, "offered_reads_per_s": reads,
        "seconds_each": seconds, "cpus": os.cpu_count(),
        "analysis": os.environ.get("CALMDESK_BENCH_LOAD_ANALYSIS", "real"),
        "target": "p95 < 150 ms, p99 < 500 ms, 0 errors",
    }  # fmt: skip
    for variant in (v.strip() for v in variants if v.strip()):
        if variant not in ("sqlite", "postgres"):
            raise ValueError(f"unknown variant {variant!r}; use sqlite and/or postgres")
        result[variant] = _variant(variant, seconds, turns, reads)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
