"""Imported by a load bench server (`benchmarks.turn_phases`): stamps each request's phases.

Wraps, in the server process only: the app (request in, answer out), the thread-pool hand-over
of the turn route (and the event loop's part before it), the read before the analysis, the
analysis (queued, batch, wake-up), the write and its SQLite write gate (wait, hold); and records
every pass of the garbage collector. Written as JSON to `$CALMDESK_TURN_PHASES_OUT/<pid>.json`
at shutdown. A diagnostic: it patches private functions, so it follows the code it measures.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from calmdesk import web
from calmdesk.actions import batching
from calmdesk.actions.turns import customer as turns_customer
from calmdesk.actions.turns import fresh as turns_fresh
from calmdesk.storage import engine as storage_engine
from calmdesk.web.routes import api_writes

now = time.perf_counter
requests: list[dict[str, Any]] = []
collections: list[tuple[float, float, int]] = []
gate: list[tuple[float, float]] = []
local = threading.local()
current: ContextVar[dict[str, Any] | None] = ContextVar("turn_phases", default=None)
_gc_start: dict[int, float] = {}


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_start[threading.get_ident()] = now()
    elif (start := _gc_start.pop(threading.get_ident(), None)) is not None:
        collections.append((start, (now() - start) * 1000, info["generation"]))


def dump() -> None:
    out = Path(os.environ.get("CALMDESK_TURN_PHASES_OUT", "."))
    result = {"requests": requests, "gc": collections, "gate": gate,
              "frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}  # fmt: skip
    (out / f"{os.getpid()}.json").write_text(json.dumps(result))


def _stamped(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        record, start = getattr(local, "record", None), now()
        try:
            return func(*args, **kwargs)
        finally:
            if record is not None:
                record[name] = record.get(name, 0.0) + (now() - start) * 1000

    return wrapper


def _wrap_app(create: Callable[..., Any]) -> Callable[..., Any]:
    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = create(*args, **kwargs)

        async def outer(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":

                async def on_shutdown() -> Any:
                    message = await receive()
                    if message["type"] == "lifespan.shutdown":
                        dump()
                    return message

                await app(scope, on_shutdown, send)
                return
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            record: dict[str, Any] = {"path": scope["path"], "in": now()}

            async def sending(message: Any) -> None:
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    record["out"] = now()
                await send(message)

            token = current.set(record)
            try:
                await app(scope, receive, sending)
            finally:
                current.reset(token)
                requests.append(record)

        return outer

    return create_app


_pool = api_writes.run_in_threadpool


async def _run_in_threadpool(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    record, handed = current.get(), now()

    def in_thread() -> Any:
        local.record = record
        if record is not None:
            record["before_pool"] = (handed - record["in"]) * 1000
            record["pool_wait"] = (now() - handed) * 1000
        try:
            return func(*args, **kwargs)
        finally:
            if record is not None:
                record["back_at"] = now()
            local.record = None

    answer = await _pool(in_thread)
    if record is not None:
        record["loop_back"] = (now() - record["back_at"]) * 1000
    return answer


def _analyze(self: batching.BatchingAnalyzer, conversation: Any) -> Any:
    """`BatchingAnalyzer.analyze` with the job's queue, batch and wake-up times kept."""
    record, start = getattr(local, "record", None), now()
    with self._lock:
        cached = self._cache.get(conversation)
        if cached is not None:
            return cached
    job = batching._Job(conversation)
    with self._ready:
        self._queue.append(job)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="calmdesk-analysis", daemon=True)
            self._thread.start()
        self._ready.notify()
    job.done.wait()
    if record is not None:
        picked, done = getattr(job, "picked", start), getattr(job, "answered", start)
        record["analysis_queue"] = (picked - start) * 1000
        record["analysis_batch"] = (done - picked) * 1000
        record["analysis_wake"] = (now() - done) * 1000
    if job.error is not None:
        raise job.error
    return job.result


_analyse = batching.BatchingAnalyzer._analyse


def _analyse_stamped(self: batching.BatchingAnalyzer, jobs: list[Any]) -> None:
    picked = now()
    for job in jobs:
        job.picked = picked
    events = [job.done for job in jobs]
    for job, event in zip(jobs, events, strict=True):
        setter = event.set

        def answered(job: Any = job, setter: Callable[[], None] = setter) -> None:
            job.answered = now()
            setter()

        event.set = answered  # type: ignore[method-assign]
    _analyse(self, jobs)


_held = storage_engine.WriteGate.held


@contextmanager
def _gate_held(self: storage_engine.WriteGate) -> Iterator[None]:
    start = now()
    with _held(self):
        got = now()
        try:
            yield
        finally:
            gate.append(((got - start) * 1000, (now() - got) * 1000))
            record = getattr(local, "record", None)
            if record is not None:
                record["gate_wait"] = record.get("gate_wait", 0.0) + (got - start) * 1000
                record["gate_held"] = record.get("gate_held", 0.0) + (now() - got) * 1000


gc.callbacks.append(_on_gc)
web.create_app = _wrap_app(web.create_app)  # type: ignore[assignment]
api_writes.run_in_threadpool = _run_in_threadpool  # type: ignore[assignment]
turns_fresh._stored = _stamped("read_before", turns_fresh._stored)  # type: ignore[assignment]
turns_customer._post_customer = _stamped("write", turns_customer._post_customer)  # type: ignore[assignment]
batching.BatchingAnalyzer.analyze = _analyze  # type: ignore[method-assign]
batching.BatchingAnalyzer._analyse = _analyse_stamped  # type: ignore[method-assign]
storage_engine.WriteGate.held = _gate_held  # type: ignore[assignment,method-assign]
