"""The helper process of `analyze_many`: when it is used, and that its failures change nothing."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest
from same_reading import ACROSS_PROCESSES, differences, snapshot

from calmdesk.analysis import helper as helpers
from calmdesk.analysis.pipeline import analyze_many
from calmdesk.analysis.text import DEFAULT_MAX_CHARS
from calmdesk.domain import Conversation, Role, Turn


def _use_helper(monkeypatch: pytest.MonkeyPatch, fake: Any, share_turns: int | None = None) -> None:
    """`analyze_many` finds `fake` as its helper (none running before), sharing `share_turns`
    turns a piece when given."""
    from calmdesk.analysis import pipeline

    monkeypatch.setattr(helpers, "running", lambda: None)
    monkeypatch.setattr(helpers, "helper", lambda: fake)
    if share_turns is not None:
        monkeypatch.setattr(pipeline, "SHARE_TURNS", share_turns)


def _conversations(tag: str) -> list[Conversation]:
    said = [
        "My parcel is two weeks late and nobody answers my emails.",
        "I'm so sorry about the wait. I've asked the courier and will email the tracking today.",
        "Still nothing. This is the third time I write, I want a refund NOW.",
        "I understand how frustrating this is; I have refunded the order just now.",
        "Thanks, that's all I wanted.",
    ]
    return [
        Conversation(
            f"{tag}-{i}",
            tuple(
                Turn(Role.CUSTOMER if k % 2 == 0 else Role.AGENT, f"{text} (case {i})")
                for k, text in enumerate(said)
            ),
        )
        for i in range(8)
    ]


def _untagged(analyses: list[Any], tag: str) -> list[Any]:
    out = snapshot(analyses)
    for a in out:
        a["id"] = a["id"].removeprefix(f"{tag}-")
    return out


@pytest.mark.parametrize(("raw", "want"), [("1", 1), ("2", 2), ("8", 2), ("", None), ("x", None)])
def test_processes_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, want: int | None
) -> None:
    monkeypatch.setenv(helpers.PROCESSES_ENV, raw)
    monkeypatch.setattr(helpers.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(helpers.os, "getloadavg", lambda: (3.5, 3.0, 3.0))  # a busy machine
    assert helpers.processes() == (1 if want is None else want)


@pytest.mark.parametrize(
    ("cores", "load", "want"), [(1, 0.0, 1), (2, 0.9, 2), (2, 1.0, 2), (2, 1.6, 1), (4, 2.5, 2)]
)
def test_by_default_a_helper_only_where_a_core_is_free(
    monkeypatch: pytest.MonkeyPatch, cores: int, load: float, want: int
) -> None:
    monkeypatch.delenv(helpers.PROCESSES_ENV, raising=False)
    monkeypatch.setattr(helpers.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(helpers.os, "getloadavg", lambda: (load, load, load))
    assert helpers.processes() == want


class _Loaded:
    """A helper that has loaded its models (a stand-in for `Helper`)."""

    alive = True

    def __init__(self) -> None:
        self.ready: Future[Any] = Future()
        self.ready.set_result("ready")
        self.sent = 0


class _Failing(_Loaded):
    """A helper that has loaded and accepts batches, then loses every one of them."""

    def submit(self, conversations: Any, max_chars: int, playbook: str | None) -> Future[Any]:
        self.sent += 1
        future: Future[Any] = Future()
        future.set_exception(RuntimeError("the analysis helper stopped"))
        return future


def test_batches_the_helper_loses_are_read_here(monkeypatch: pytest.MonkeyPatch) -> None:
    want = _untagged(list(analyze_many(_conversations("one"), processes=1)), "one")
    failing = _Failing()
    _use_helper(monkeypatch, failing)
    got = list(analyze_many(_conversations("two"), batch_turns=5, processes=2))
    assert failing.sent > 0
    assert [a.id for a in got] == [f"two-{i}" for i in range(8)]
    assert not differences(_untagged(got, "two"), want)


def test_one_batch_never_starts_a_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("a helper was started for a single batch")

    monkeypatch.setattr(helpers, "helper", refuse)
    got = list(analyze_many(_conversations("single"), processes=2))
    assert len(got) == 8


def test_a_caller_s_own_models_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from calmdesk.analysis import Models, default_models

    def refuse() -> None:
        raise AssertionError("custom models were sent to a helper")

    monkeypatch.setattr(helpers, "helper", refuse)
    shared = default_models()
    models = Models(shared.encode, shared.predict)
    got = list(analyze_many(_conversations("own"), models=models, batch_turns=5, processes=2))
    assert len(got) == 8


def test_models_put_in_place_of_the_default_stay_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from calmdesk.analysis import Models, default_models

    def refuse() -> None:
        raise AssertionError("replaced default models were sent to a helper")

    shared = default_models()
    stand_in = Models(shared.encode, shared.predict)
    monkeypatch.setattr(helpers, "helper", refuse)
    monkeypatch.setattr("calmdesk.analysis.pipeline.default_models", lambda: stand_in)
    got = list(analyze_many(_conversations("stand-in"), batch_turns=5, processes=2))
    assert len(got) == 8


@pytest.mark.slow
def test_the_real_helper_reads_batches_as_this_process_does() -> None:
    worker = helpers.helper()
    assert worker is not None
    assert worker.ready.result(timeout=120) == "ready"
    conversations = _conversations("real")
    got = worker.submit(conversations[:3], DEFAULT_MAX_CHARS, None).result(timeout=120)
    want = list(analyze_many(conversations[:3], processes=1))
    assert not differences(snapshot(got), snapshot(want))


@pytest.mark.slow
def test_large_batches_go_both_ways_without_blocking() -> None:
    """Two batches in flight, each message and each answer larger than a pipe holds (~64 kB):
    a lock held while writing would deadlock here (the texts are cut to 40 characters by the
    analysis, so the reading stays cheap while the messages are large)."""
    from calmdesk.analysis.pipeline import analyze_group

    worker = helpers.helper()
    assert worker is not None and worker.ready.result(timeout=120) == "ready"
    line = "Order: where is it? Still waiting, this is the third email I write to you. "

    def batch(tag: str) -> list[Conversation]:
        return [
            Conversation(
                f"{tag}-{i}",
                tuple(
                    Turn(Role.CUSTOMER if k % 2 == 0 else Role.AGENT, f"{i} {tag} {line * 5}")
                    for k in range(5)
                ),
            )
            for i in range(60)
        ]

    first, second = batch("a"), batch("b")
    futures = [worker.submit(b, 40, None) for b in (first, second)]
    got = [f.result(timeout=120) for f in futures]  # a deadlock fails here instead of hanging
    for batch_got, conversations in zip(got, (first, second), strict=True):
        want = analyze_group(conversations, 40, None)
        assert not differences(snapshot(batch_got), snapshot(want), tolerance=ACROSS_PROCESSES)


class _Silent(_Loaded):
    """A helper that has loaded and takes batches, and never answers (busy, or stuck)."""

    def submit(self, conversations: Any, max_chars: int, playbook: str | None) -> Future[Any]:
        self.sent += 1
        return Future()  # never done


def test_at_the_end_of_the_input_the_helper_s_pieces_are_read_here_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the first batch the input is cut into small pieces; the helper holds two at a
    time, and once nothing else is left this process reads those too instead of waiting."""
    from calmdesk.analysis import pipeline

    want = _untagged(list(analyze_many(_conversations("alone"), processes=1)), "alone")
    silent = _Silent()
    _use_helper(monkeypatch, silent, share_turns=5)  # one conversation a piece
    got = list(analyze_many(_conversations("tail"), batch_turns=10, processes=2))
    assert silent.sent == pipeline._IN_FLIGHT
    assert [a.id for a in got] == [f"tail-{i}" for i in range(8)]
    assert not differences(_untagged(got, "tail"), want)


@pytest.mark.slow
def test_pieces_shared_with_the_real_helper_read_as_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from calmdesk.analysis import pipeline

    worker = helpers.helper()
    assert worker is not None and worker.ready.result(timeout=120) == "ready"
    sent = worker.sent
    want = _untagged(list(analyze_many(_conversations("solo"), processes=1)), "solo")
    monkeypatch.setattr(pipeline, "SHARE_TURNS", 5)
    got = list(analyze_many(_conversations("duo"), batch_turns=10, processes=2))
    assert worker.sent > sent
    assert not differences(_untagged(got, "duo"), want)


@pytest.mark.slow
def test_a_helper_killed_between_runs_is_replaced_and_changes_nothing() -> None:
    worker = helpers.helper()
    assert worker is not None and worker.ready.result(timeout=120) == "ready"
    worker._proc.kill()
    worker._proc.wait(timeout=30)
    want = _untagged(list(analyze_many(_conversations("before"), processes=1)), "before")
    got = list(analyze_many(_conversations("after"), batch_turns=5, processes=2))
    assert not differences(_untagged(got, "after"), want)
    fresh = helpers.helper()
    assert fresh is not None and fresh is not worker and fresh.alive


class _Answering:
    """A loaded helper that reads each batch at once, in this process, and notes what it got."""

    alive = True

    def __init__(self) -> None:
        self.ready: Future[Any] = Future()
        self.ready.set_result("ready")
        self.sent = 0
        self.got: list[list[str]] = []

    def submit(self, conversations: Any, max_chars: int, playbook: str | None) -> Future[Any]:
        from calmdesk.analysis.pipeline import analyze_group

        self.sent += 1
        self.got.append([c.id for c in conversations])
        future: Future[Any] = Future()
        future.set_result(analyze_group(conversations, max_chars, playbook))
        return future


def test_a_running_helper_shares_the_first_batch_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long `calmdesk analyze` calls analyze_many for every 256 lines: once the helper runs,
    each call shares all of its input, not only what follows its first batch."""
    from calmdesk.analysis import pipeline

    want = _untagged(list(analyze_many(_conversations("here"), processes=1)), "here")
    answering = _Answering()
    monkeypatch.setattr(helpers, "running", lambda: answering)

    def refuse() -> None:
        raise AssertionError("a running helper was started again")

    monkeypatch.setattr(helpers, "helper", refuse)
    monkeypatch.setattr(pipeline, "SHARE_TURNS", 5)
    got = list(analyze_many(_conversations("run"), batch_turns=10, processes=2))
    assert answering.got and answering.got[0] == ["run-0"]
    assert not differences(_untagged(got, "run"), want)


class _Late(_Loaded):
    """A loaded helper that answers each piece a second after it was given (slowed by other
    work on the machine), and notes how many pieces the caller had read itself by then."""

    def __init__(self, read_here: list[int]) -> None:
        super().__init__()
        self.read_here = read_here
        self.seen_at_answer: list[int] = []
        self.timers: list[threading.Timer] = []

    def submit(self, conversations: Any, max_chars: int, playbook: str | None) -> Future[Any]:
        from calmdesk.analysis.pipeline import analyze_group

        self.sent += 1
        future: Future[Any] = Future()
        answer = analyze_group(conversations, max_chars, playbook)

        def reply() -> None:
            self.seen_at_answer.append(len(self.read_here))
            future.set_result(answer)

        timer = threading.Timer(1.0, reply)
        self.timers.append(timer)
        timer.start()
        return future


def test_while_the_helper_is_late_this_process_reads_further_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The next piece to yield is the helper's and not back yet, and every piece read ahead is
    read: this process takes more input rather than wait (up to `_AHEAD_MOST` pieces)."""
    from calmdesk.analysis import pipeline

    many = [c for tag in ("a", "b", "c", "d") for c in _conversations(tag)][:30]
    want = snapshot(list(analyze_many(many, processes=1)))
    read_here: list[int] = []
    real_read = pipeline._read_group

    def counted(group: Any, run: Any) -> Any:
        read_here.append(len(group))
        return real_read(group, run)

    late = _Late(read_here)
    monkeypatch.setattr(pipeline, "_read_group", counted)
    _use_helper(monkeypatch, late, share_turns=5)  # one conversation a piece
    got = list(analyze_many(many, batch_turns=10, processes=2))
    for timer in late.timers:
        timer.join()
    assert late.sent == pipeline._IN_FLIGHT
    assert late.seen_at_answer and min(late.seen_at_answer) > pipeline._AHEAD
    assert [a.id for a in got] == [c.id for c in many]
    assert not differences(snapshot(got), want)


@pytest.mark.parametrize(("free", "want"), [(2.0, 2), (1.6, 2), (1.2, 1), (0.3, 1), (None, 1)])
def test_a_long_input_measures_the_machine_when_the_load_average_is_high(
    monkeypatch: pytest.MonkeyPatch, free: float | None, want: int
) -> None:
    """The 1-minute load average remembers the run before: a long input checks the cores free
    now (`cpufree.free_cores`) before it gives up the helper."""
    monkeypatch.delenv(helpers.PROCESSES_ENV, raising=False)
    monkeypatch.setattr(helpers.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(helpers.os, "getloadavg", lambda: (1.4, 1.0, 0.8))
    monkeypatch.setattr(helpers.cpufree, "free_cores", lambda: free)
    assert helpers.processes(measure=True) == want
    assert helpers.processes() == 1  # without `measure`, the load average alone


def test_the_machine_is_measured_only_when_the_load_average_says_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse() -> float:
        raise AssertionError("measured although the load average leaves a core free")

    monkeypatch.delenv(helpers.PROCESSES_ENV, raising=False)
    monkeypatch.setattr(helpers.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(helpers.os, "getloadavg", lambda: (0.4, 0.4, 0.4))
    monkeypatch.setattr(helpers.cpufree, "free_cores", refuse)
    assert helpers.processes(measure=True) == 2
    monkeypatch.setenv(helpers.PROCESSES_ENV, "1")
    assert helpers.processes(measure=True) == 1


def test_a_short_input_never_asks_how_many_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A live turn (one batch) must not wait for the machine to be measured."""

    def refuse(**_: Any) -> int:
        raise AssertionError("asked for processes for a single batch")

    monkeypatch.setattr(helpers, "processes", refuse)
    assert len(list(analyze_many(_conversations("short")))) == 8


def test_a_long_input_reads_here_alone_when_no_core_is_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[bool] = []

    def busy(*, measure: bool = False) -> int:
        asked.append(measure)
        return 1

    def refuse() -> None:
        raise AssertionError("a helper was started on a busy machine")

    want = _untagged(list(analyze_many(_conversations("one"), processes=1)), "one")
    monkeypatch.setattr(helpers, "processes", busy)
    monkeypatch.setattr(helpers, "helper", refuse)
    monkeypatch.setattr(helpers, "running", refuse)
    got = list(analyze_many(_conversations("busy"), batch_turns=5))
    assert asked == [True]
    assert not differences(_untagged(got, "busy"), want)


class _Gated(_Loaded):
    """A loaded helper that finishes the pieces it holds whenever this process has read one of
    its own (as fast as this process, in step with it)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding: list[tuple[Future[Any], Any]] = []
        self.answering = False  # reading a piece of its own (not one of this process's)

    def submit(self, conversations: Any, max_chars: int, playbook: str | None) -> Future[Any]:
        from calmdesk.analysis.pipeline import analyze_group

        self.sent += 1
        future: Future[Any] = Future()
        self.answering = True
        self.holding.append((future, analyze_group(conversations, max_chars, playbook)))
        self.answering = False
        return future

    def finish(self) -> None:
        for future, answer in self.holding:
            future.set_result(answer)
        self.holding.clear()


def test_the_helper_is_given_pieces_read_ahead_as_soon_as_it_has_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each time this process starts reading a piece of its own, the helper holds as many pieces
    as it may (`_IN_FLIGHT`): pieces already read ahead from the input are handed to it, not
    only those read from the input afterwards."""
    from calmdesk.analysis import pipeline

    many = [c for tag in ("a", "b", "c", "d") for c in _conversations(tag)][:30]
    want = snapshot(list(analyze_many(many, processes=1)))
    gated = _Gated()
    held_at_read: list[int] = []
    real_read = pipeline._read_group

    def counted(group: Any, run: Any) -> Any:
        if gated.answering:
            return real_read(group, run)
        held_at_read.append(len(gated.holding))
        found = real_read(group, run)
        gated.finish()
        return found

    monkeypatch.setattr(pipeline, "_read_group", counted)
    _use_helper(monkeypatch, gated, share_turns=5)  # one conversation a piece
    got = list(analyze_many(many, batch_turns=10, processes=2))
    assert [a.id for a in got] == [c.id for c in many]
    assert not differences(snapshot(got), want)
    assert len(held_at_read) > 5
    assert held_at_read[:-1] == [pipeline._IN_FLIGHT] * (len(held_at_read) - 1)
    assert gated.sent > len(held_at_read)


@pytest.mark.slow
def test_the_helper_ends_cleanly_when_its_caller_closes_the_pipe() -> None:
    """The helper leaves without the interpreter's teardown (`os._exit`): every answer it
    wrote has still reached the caller, and it ends with status 0."""
    import os
    import pickle
    import subprocess
    import sys

    from calmdesk.analysis import fastpickle

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.Popen(
        [sys.executable, "-m", "calmdesk.analysis.helper_serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    conversations = _conversations("exit")[:2]
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(fastpickle.dumps((7, conversations, DEFAULT_MAX_CHARS, None)))
    proc.stdin.close()
    with proc.stdout:
        assert pickle.load(proc.stdout) == (-1, True, helpers.READY)
        seq, ok, got = pickle.load(proc.stdout)
        assert proc.stdout.read() == b""
    assert proc.wait(timeout=60) == 0
    assert (seq, ok) == (7, True)
    want = list(analyze_many(conversations, processes=1))
    assert not differences(snapshot(got), snapshot(want), tolerance=ACROSS_PROCESSES)


def test_a_helper_ready_during_the_first_batch_is_handed_work_before_that_batch_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first batch is cut into pieces too: the helper, ready once this process has read one
    piece (this process loads its models in its first piece), gets work then, not only once the
    whole first batch has been read here."""
    from calmdesk.analysis import pipeline

    many = [c for tag in ("a", "b") for c in _conversations(tag)]
    want = snapshot(list(analyze_many(many, processes=1)))
    starting = _Answering()
    starting.ready = Future()  # still loading its models
    turns_here: list[int] = []
    turns_before_helper: list[int] = []
    real_read = pipeline._read_group
    real_submit = starting.submit

    def counted(group: Any, run: Any) -> Any:
        found = real_read(group, run)
        turns_here.append(sum(len(p.turns) for p in group))
        if not starting.ready.done():
            starting.ready.set_result("ready")
        return found

    def noted(conversations: Any, max_chars: int, playbook: str | None) -> Future[Any]:
        if not turns_before_helper:
            turns_before_helper.append(sum(turns_here))
        return real_submit(conversations, max_chars, playbook)

    monkeypatch.setattr(starting, "submit", noted)
    monkeypatch.setattr(pipeline, "_read_group", counted)
    _use_helper(monkeypatch, starting, share_turns=5)  # one conversation a piece
    got = list(analyze_many(many, batch_turns=20, processes=2))
    assert [a.id for a in got] == [c.id for c in many]
    assert not differences(snapshot(got), want)
    assert turns_before_helper == [5]  # one piece of the first batch's 20 turns
