"""The live analysis read by a second process gives the same answers, and falls back cleanly.

The first tests run the real helper process (`analysis.helper_serve`, the default models) against
the same analysis made in this process. The failure tests stand a scripted helper in for the real
one and `analyze_many` in this process answers from word cues, so they need no models.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.factories import World, cue_signals

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.actions.analysis_process import (
    AnalysisProcess,
    ProcessAnalyzer,
    default_analyzer,
)
from calmdesk.actions.batching import BatchingAnalyzer
from calmdesk.actions.context import LibraryAnalyzer
from calmdesk.analysis.helper import Helper
from calmdesk.config import Settings
from calmdesk.domain import (
    Conversation,
    ConversationAnalysis,
    MalformedInput,
    Role,
    Trend,
    Turn,
    TurnAnalysis,
    to_jsonable,
)

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _settings(**update: Any) -> Settings:
    return Settings(_env_file=None, **update)  # type: ignore[call-arg]


def _thread(*texts: tuple[Role, str], name: str = "p1") -> Conversation:
    turns = tuple(
        Turn(role, text, T0 + timedelta(minutes=n)) for n, (role, text) in enumerate(texts)
    )
    return Conversation(name, turns)


@pytest.fixture(scope="module")
def real_process() -> Iterator[AnalysisProcess]:
    process = AnalysisProcess()
    yield process
    process.close()


def test_the_analysis_process_gives_the_same_signals_as_this_process(
    real_process: AnalysisProcess,
) -> None:
    """A conversation read turn by turn, as posts arrive, by the helper and here: equal."""
    remote = ProcessAnalyzer(_settings(), process=real_process)
    here = LibraryAnalyzer(_settings())
    turns = [
        (Role.CUSTOMER, "Where is my parcel? I ordered it two weeks ago."),
        (Role.AGENT, "I'm sorry about the wait. I will check with the courier today."),
        (Role.CUSTOMER, "This is ridiculous, I want to speak to a manager NOW."),
        (Role.CUSTOMER, "Ich warte seit Tagen auf eine Antwort!"),
    ]
    for n in range(1, len(turns) + 1):
        conversation = _thread(*turns[:n])
        assert to_jsonable(remote.analyze(conversation)) == to_jsonable(here.analyze(conversation))
    assert remote.remote == len(turns) and remote.local == 0
    assert real_process.starts == 1


def test_a_post_through_the_analysis_process_stores_the_signals_of_this_process(
    world: World, real_process: AnalysisProcess
) -> None:
    from calmdesk.actions.turns import to_domain
    from calmdesk.storage import Turn as TurnRow

    ctx = world.ctx
    remote = ProcessAnalyzer(ctx.settings, process=real_process)
    ctx.analyzer = remote
    conv = world.open(world.calm_customer)
    actor = Actor.for_customer(world.calm_customer.id)
    posted = add_customer_turn(ctx, actor, conv.id, "My order is late again. Unacceptable!")
    with ctx.sessions() as session:
        turns = list(session.query(TurnRow).filter_by(conversation_id=conv.id))
        domain = to_domain(conv.id, turns)
    expected = LibraryAnalyzer(ctx.settings).analyze(domain)
    assert posted.turn.signals == to_jsonable(expected.turns[-1].signals)
    assert remote.remote >= 1 and remote.local == 0


def _same(got: object, want: object) -> None:
    """The same answer from two processes (see same_reading.ACROSS_PROCESSES)."""
    from tests.analysis.same_reading import ACROSS_PROCESSES, differences, snapshot

    assert not differences(snapshot([got]), snapshot([want]), tolerance=ACROSS_PROCESSES)


def test_a_killed_analysis_process_is_replaced_and_no_answer_changes(
    real_process: AnalysisProcess,
) -> None:
    process = AnalysisProcess(restart_after_s=0.0)
    try:
        remote = ProcessAnalyzer(_settings(), process=process)
        first = _thread((Role.CUSTOMER, "Hello, is anyone there?"), name="k1")
        _same(remote.analyze(first), LibraryAnalyzer(_settings()).analyze(first))
        helper = process.get()
        assert helper is not None
        helper._proc.kill()  # the process dies between two posts
        helper._proc.wait(10)
        second = _thread((Role.CUSTOMER, "Still waiting for my refund, this is a joke."), name="k2")
        _same(remote.analyze(second), LibraryAnalyzer(_settings()).analyze(second))
        assert process.starts == 2  # started again for the next batch
        assert remote.local == 0
    finally:
        process.close()


# --- failures, with a scripted helper and word-cue analyses here ---------------------------------


def _cue_analysis(conversation: Conversation) -> ConversationAnalysis:
    turns = [
        TurnAnalysis(t.role, cue_signals(t.text) if t.role is Role.CUSTOMER else None)
        for t in conversation.turns
    ]
    return ConversationAnalysis(conversation.id, turns, Trend.STEADY, 0.1, [])


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """`analyze_many` in this process, from word cues; what it read, batch by batch."""
    batches: list[list[str]] = []

    def analyze_many(
        conversations: Iterable[Conversation], _settings: object = None
    ) -> Iterator[ConversationAnalysis]:
        items = list(conversations)
        batches.append([c.id for c in items])
        for item in items:
            if item.id == "bad":
                raise MalformedInput("not a conversation the pipeline can read")
            yield _cue_analysis(item)

    monkeypatch.setattr("calmdesk.analysis.pipeline.analyze_many", analyze_many)
    return batches


class ScriptedHelper:
    """Stands in for `analysis.helper.Helper`: answers as `answer` says."""

    def __init__(self, answer: str, ready: bool = True) -> None:
        self.answer = answer
        self.ready: Future[Any] = Future()
        if ready:
            self.ready.set_result("ready")
        else:
            self.ready.set_exception(RuntimeError("the helper cannot load the models"))
        self.alive = True
        self.closed = False
        self.sent: list[list[str]] = []

    def submit(self, conversations: list[Conversation], max_chars: int, playbook: Any) -> Any:
        self.sent.append([c.id for c in conversations])
        future: Future[Any] = Future()
        if self.answer == "ok":
            future.set_result([_cue_analysis(c) for c in conversations])
        elif self.answer == "error":
            future.set_exception(RuntimeError("MalformedInput: not a conversation"))
        elif self.answer == "dies":
            self.alive = False
            future.set_exception(RuntimeError("the analysis helper stopped"))
        # "silent": never answers
        return future

    def close(self) -> None:
        self.closed = True
        self.alive = False


def _process(*helpers: ScriptedHelper, **kw: float) -> AnalysisProcess:
    queue = list(helpers)

    def start() -> Helper:
        if not queue:
            raise OSError("no more processes")
        return queue.pop(0)  # type: ignore[return-value]

    return AnalysisProcess(start, **kw)


def _conv(name: str, text: str = "Where is my order? It is late.") -> Conversation:
    return Conversation(name, (Turn(Role.CUSTOMER, text, T0),))


def test_answers_come_from_the_analysis_process_when_it_reads(here: list[list[str]]) -> None:
    helper = ScriptedHelper("ok")
    remote = ProcessAnalyzer(_settings(), process=_process(helper))
    assert remote.analyze(_conv("a")) == _cue_analysis(_conv("a"))
    assert helper.sent == [["a"]] and here == []


def test_a_batch_the_process_cannot_read_is_read_here_each_request_its_own_answer(
    here: list[list[str]],
) -> None:
    helper = ScriptedHelper("error")
    remote = ProcessAnalyzer(_settings(), process=_process(helper))
    answers: dict[str, Any] = {}
    ready = threading.Event()
    gate = threading.Lock()

    def ask(conversation: Conversation) -> None:
        ready.wait(5)
        try:
            answers[conversation.id] = remote.analyze(conversation)
        except Exception as exc:  # noqa: BLE001 - the test looks at which error each got
            with gate:
                answers[conversation.id] = exc

    threads = [threading.Thread(target=ask, args=(_conv(n),)) for n in ("ok-1", "bad", "ok-2")]
    for thread in threads:
        thread.start()
    ready.set()
    for thread in threads:
        thread.join(10)
    assert isinstance(answers["bad"], MalformedInput)
    assert answers["ok-1"] == _cue_analysis(_conv("ok-1"))
    assert answers["ok-2"] == _cue_analysis(_conv("ok-2"))
    assert helper.sent and not helper.closed  # a bad batch is no reason to stop the process
    assert remote.local == len(helper.sent)


def test_a_process_that_stops_is_replaced_after_the_pause(here: list[list[str]]) -> None:
    dying, fresh = ScriptedHelper("dies"), ScriptedHelper("ok")
    process = _process(dying, fresh, restart_after_s=3600)
    remote = ProcessAnalyzer(_settings(), process=process)
    assert remote.analyze(_conv("a")) == _cue_analysis(_conv("a"))  # read here instead
    assert here == [["a"]] and dying.closed
    assert remote.analyze(_conv("b")) == _cue_analysis(_conv("b"))  # within the pause: here
    assert here == [["a"], ["b"]] and fresh.sent == []
    process.restart_after_s = 0.0
    assert remote.analyze(_conv("c")) == _cue_analysis(_conv("c"))
    assert fresh.sent == [["c"]] and process.starts == 2


def test_a_silent_process_is_stopped_and_the_batch_read_here(here: list[list[str]]) -> None:
    silent = ScriptedHelper("silent")
    remote = ProcessAnalyzer(_settings(), process=_process(silent), answer_wait_s=0.2)
    assert remote.analyze(_conv("a")) == _cue_analysis(_conv("a"))
    assert silent.closed and here == [["a"]]


def test_models_missing_in_the_process_or_no_process_at_all_means_reading_here(
    here: list[list[str]],
) -> None:
    broken = ScriptedHelper("ok", ready=False)
    remote = ProcessAnalyzer(_settings(), process=_process(broken))
    assert remote.analyze(_conv("a")) == _cue_analysis(_conv("a"))
    assert broken.closed and broken.sent == []
    nothing = ProcessAnalyzer(_settings(), process=_process())  # cannot start a process
    assert nothing.analyze(_conv("b")) == _cue_analysis(_conv("b"))
    assert here == [["a"], ["b"]]


def test_the_web_app_reads_live_analyses_in_a_second_process_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert isinstance(default_analyzer(_settings()), ProcessAnalyzer)
    kept = default_analyzer(_settings(analysis_process=False))
    assert isinstance(kept, BatchingAnalyzer) and not isinstance(kept, ProcessAnalyzer)
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert not isinstance(default_analyzer(_settings()), ProcessAnalyzer)


def test_the_server_starts_its_analysis_process_as_it_starts(world: World) -> None:
    """The first posted turn does not wait for the analysis process to load its models: the
    app's start asks for it in the background."""
    from fastapi.testclient import TestClient

    from calmdesk.web import create_app

    asked = threading.Event()

    class Recording(AnalysisProcess):
        def get(self) -> Helper | None:
            asked.set()
            return None  # nothing started: batches would be read in the server's process

    settings = world.ctx.settings.model_copy(
        update={"database_url": str(world.ctx.sessions.kw["bind"].url.render_as_string(False))}
    )
    app = create_app(settings, analyzer=ProcessAnalyzer(settings, process=Recording()))
    assert not asked.is_set()  # building the app starts nothing
    with TestClient(app):
        assert asked.wait(10)
    app.state.engine.dispose()
