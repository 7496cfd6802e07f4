"""The live analysis in a second process, so the server's own process keeps its core for HTTP.

A server process runs its Python on one core at a time (the GIL). With the analysis of every
posted customer turn in the same process, the encoder and the reading of each turn in context
took that core from the requests around it. `ProcessAnalyzer` is `BatchingAnalyzer` (one thread
collects the analyses asked for at the same time into one batch) whose batches are read by an
analysis process instead: the helper process of the batch path (`analysis.helper.Helper`, `python
-m calmdesk.analysis.helper_serve`), one per server process, started as the server starts
(`ProcessAnalyzer.warm`) or on first need. The helper
loads the same default models and reads each batch with `pipeline.analyze_group`, exactly as
`analyze_many` reads it here, and keeps the turns it has read, so a conversation sent again with
one more turn costs it that turn only. The server process only pickles the conversations and
unpickles the analyses; its request threads wait for the answer without holding the GIL.

Failures never lose a post and never change an answer: a batch the helper cannot read (an error
in one conversation, models that cannot load), a helper that stops, does not start or answers
nothing within `ANSWER_WAIT_S`, is read in this process instead (`BatchingAnalyzer`, which gives
each request its own error). A helper that stopped is started again at the next batch, at most
once every `RESTART_AFTER_S`; in between the analyses are read here.

On by default where there are two cores or more (`Settings.analysis_process`; `false` keeps the
analysis in the server process). See docs/deploy.md, "Speed under load".
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout

from calmdesk.actions.batching import BatchingAnalyzer
from calmdesk.analysis.helper import Helper
from calmdesk.config import Settings
from calmdesk.domain import Conversation, ConversationAnalysis

__all__ = [
    "ANSWER_WAIT_S",
    "RESTART_AFTER_S",
    "START_WAIT_S",
    "AnalysisProcess",
    "ProcessAnalyzer",
    "default_analyzer",
    "shared_process",
]

log = logging.getLogger("calmdesk.actions.analysis_process")

START_WAIT_S = 60.0
"""Longest the first batch waits for a starting helper to load its models (about as long as this
process would take to load them itself); past it the batch is read here."""

ANSWER_WAIT_S = 60.0
"""Longest a batch waits for the helper's answer; past it the helper is stopped and the batch read
here."""

RESTART_AFTER_S = 30.0
"""After a helper stopped or failed to start, batches are read here for this long before the next
start is tried."""


class AnalysisProcess:
    """One helper process for live analyses, started on first need and again after it stops."""

    def __init__(
        self,
        start: Callable[[], Helper] = Helper,
        *,
        start_wait_s: float = START_WAIT_S,
        restart_after_s: float = RESTART_AFTER_S,
    ) -> None:
        self._start = start
        self.start_wait_s = start_wait_s
        self.restart_after_s = restart_after_s
        self._lock = threading.Lock()
        self._helper: Helper | None = None
        self._failed_at: float | None = None
        self.starts = 0  # helpers started so far (for tests and the docs' figures)

    def get(self) -> Helper | None:
        """The running, ready helper; None when there is none to use now (read here instead)."""
        gone = None
        with self._lock:
            helper = self._helper
            if helper is not None and not helper.alive:
                self._helper, helper, gone = None, None, helper
                self._failed_at = time.monotonic()
            if helper is None and self._may_start():
                try:
                    helper = self._helper = self._start()
                    self.starts += 1
                except OSError as exc:  # cannot start a process here: read in this one
                    log.warning("the analysis process cannot start: %s", exc)
                    self._failed_at = time.monotonic()
        if gone is not None:
            _stop(gone)
        if helper is None:
            return None
        try:
            helper.ready.result(timeout=self.start_wait_s)
        except (FutureTimeout, Exception) as exc:  # noqa: BLE001 - models missing, too slow
            log.warning("the analysis process is not ready: %s", exc)
            self.discard(helper)
            return None
        return helper if helper.alive else None

    def _may_start(self) -> bool:
        failed = self._failed_at
        return failed is None or time.monotonic() - failed >= self.restart_after_s

    def discard(self, helper: Helper) -> None:
        """Stop `helper` (stuck, or gone); batches are read here until the next start."""
        with self._lock:
            if self._helper is helper:
                self._helper = None
            self._failed_at = time.monotonic()
        _stop(helper)

    def close(self) -> None:
        with self._lock:
            helper, self._helper = self._helper, None
        if helper is not None:
            _stop(helper)


def _stop(helper: Helper) -> None:
    """Stop the helper and close its end of the answer pipe (`Helper.close` leaves it to the
    garbage collector, which warns)."""
    helper.close()
    out = getattr(getattr(helper, "_proc", None), "stdout", None)
    if out is not None:
        try:
            out.close()
        except OSError:
            pass


_shared: list[AnalysisProcess] = []
_shared_lock = threading.Lock()


def shared_process() -> AnalysisProcess:
    """This process's one analysis process, shared by every app it serves (stopped at exit: the
    helper also ends by itself when its stdin closes with this process)."""
    with _shared_lock:
        if not _shared:
            _shared.append(AnalysisProcess())
            atexit.register(_shared[0].close)
        return _shared[0]


class ProcessAnalyzer(BatchingAnalyzer):
    """`BatchingAnalyzer` whose batches are read by an analysis process (module docstring)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        max_batch: int = 32,
        process: AnalysisProcess | None = None,
        answer_wait_s: float = ANSWER_WAIT_S,
    ) -> None:
        super().__init__(settings, max_batch=max_batch)
        self.process = process or shared_process()
        self.answer_wait_s = answer_wait_s
        self.remote = 0  # batches the analysis process read
        self.local = 0  # batches read in this process instead

    def warm(self) -> threading.Thread:
        """Start the analysis process now, in the background (the server calls this as it starts),
        so the first posted turn does not wait for its models to load."""
        thread = threading.Thread(
            target=self.process.get, name="calmdesk-analysis-process-start", daemon=True
        )
        thread.start()
        return thread

    def _results(
        self, unique: list[Conversation]
    ) -> dict[Conversation, ConversationAnalysis | BaseException]:
        found = self._remote(unique)
        if found is None:
            self.local += 1
            return super()._results(unique)
        self.remote += 1
        return dict(zip(unique, found, strict=True))

    def _remote(self, unique: list[Conversation]) -> list[ConversationAnalysis] | None:
        """The helper's analyses of `unique`, in order; None: read them in this process."""
        helper = self.process.get()
        if helper is None:
            return None
        path = self.settings.playbook_path
        future = helper.submit(unique, self.settings.max_text_chars, str(path) if path else None)
        try:
            found = future.result(timeout=self.answer_wait_s)
        except FutureTimeout:
            log.warning("the analysis process gave no answer in %.0f s", self.answer_wait_s)
            self.process.discard(helper)
            return None
        except Exception as exc:  # noqa: BLE001 - its error, or it stopped: read here
            log.info("the analysis process did not read a batch (%s); reading it here", exc)
            if not helper.alive:
                self.process.discard(helper)
            return None
        if not isinstance(found, list) or len(found) != len(unique):
            return None
        if not all(isinstance(a, ConversationAnalysis) for a in found):
            return None
        return found


def default_analyzer(settings: Settings) -> BatchingAnalyzer:
    """The web app's analyzer: analyses in a second process where a core is there for it
    (`Settings.analysis_process`, two cores or more), else in the server's own process."""
    if settings.analysis_process and (os.cpu_count() or 1) >= 2:
        return ProcessAnalyzer(settings)
    return BatchingAnalyzer(settings)
