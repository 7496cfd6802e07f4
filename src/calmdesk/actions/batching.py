"""Analyses asked for at the same time by several requests, run through the models as one batch.

A server answers many posts at once; each used to run the encoder and heads on its own text, in
its own thread, all competing for the same cores. The encoder is several times cheaper per text in
a batch (one matrix product instead of many), so `BatchingAnalyzer` hands every analysis to one
thread, which takes whatever has queued up while it was busy (up to `max_batch`) and analyses it
in one `analyze_many` call. An analysis asked for while the thread is idle starts at once: there
is no waiting for company.

The results are the same as `LibraryAnalyzer`'s: `analyze_many` reads each conversation as
`analyze_conversation` would. An error in a batch (a conversation the pipeline refuses, models
that cannot load) is given to each request on its own: the batch is retried one conversation at a
time, so one bad conversation never fails another's post.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from calmdesk.actions.context import LibraryAnalyzer
from calmdesk.config import Settings
from calmdesk.domain import Conversation, ConversationAnalysis

__all__ = ["BatchingAnalyzer"]

log = logging.getLogger("calmdesk.actions.batching")


@dataclass(eq=False)
class _Job:
    conversation: Conversation
    done: threading.Event = field(default_factory=threading.Event)
    result: ConversationAnalysis | None = None
    error: BaseException | None = None


class BatchingAnalyzer(LibraryAnalyzer):
    """`LibraryAnalyzer` whose concurrent analyses share one model batch (module docstring)."""

    def __init__(self, settings: Settings | None = None, *, max_batch: int = 32) -> None:
        super().__init__(settings)
        self.max_batch = max(1, max_batch)
        self.batches: list[int] = []  # sizes of the last batches (for tests and profiling)
        self._queue: list[_Job] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def analyze(self, conversation: Conversation) -> ConversationAnalysis:
        with self._lock:
            cached = self._cache.get(conversation)
            if cached is not None:
                self._cache.move_to_end(conversation)
                return cached
        job = _Job(conversation)
        with self._ready:
            self._queue.append(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="calmdesk-analysis", daemon=True
                )
                self._thread.start()
            self._ready.notify()
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                jobs, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                self._analyse(jobs)
            except BaseException as exc:  # noqa: BLE001 - never leave a request waiting
                log.exception("analysis batch failed")
                for job in jobs:
                    if not job.done.is_set():
                        job.error = exc
                        job.done.set()

    def _analyse(self, jobs: list[_Job]) -> None:
        unique = list(dict.fromkeys(job.conversation for job in jobs))
        self.batches = [*self.batches[-99:], len(unique)]
        results = self._results(unique)
        with self._lock:
            for conversation, got in results.items():
                if isinstance(got, ConversationAnalysis):
                    self._cache[conversation] = got
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        for job in jobs:
            got = results[job.conversation]
            if isinstance(got, ConversationAnalysis):
                job.result = got
            else:
                job.error = got
            job.done.set()

    def _results(
        self, unique: list[Conversation]
    ) -> dict[Conversation, ConversationAnalysis | BaseException]:
        """The analysis (or the error) of each conversation of one batch, read in this process."""
        from calmdesk.analysis.pipeline import analyze_many

        results: dict[Conversation, ConversationAnalysis | BaseException] = {}
        try:
            results.update(zip(unique, analyze_many(unique, self.settings), strict=True))
        except Exception:  # noqa: BLE001 - retried one by one so each gets its own answer
            for conversation in unique:
                results[conversation] = _one(conversation, self.settings)
        return results


def _one(conversation: Conversation, settings: Any) -> ConversationAnalysis | BaseException:
    from calmdesk.analysis.pipeline import analyze_many

    try:
        return next(analyze_many([conversation], settings))
    except Exception as exc:  # noqa: BLE001 - handed to the one request it belongs to
        return exc
