"""The web's analyzer runs concurrent analyses as one model batch, with the same answers.

`analyze_many` is replaced by a recorder that answers from word cues and, for the first batch,
waits until the other requests have queued, so the test sees them batched deterministically.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

import pytest
from tests.factories import World, cue_signals

from calmdesk.actions import Actor, add_customer_turn
from calmdesk.actions.batching import BatchingAnalyzer
from calmdesk.config import Settings
from calmdesk.domain import (
    Conversation,
    ConversationAnalysis,
    MalformedInput,
    ModelUnavailable,
    Role,
    Trend,
    Turn,
    TurnAnalysis,
    to_jsonable,
)


def _cue_analysis(conversation: Conversation) -> ConversationAnalysis:
    turns = [
        TurnAnalysis(t.role, cue_signals(t.text) if t.role is Role.CUSTOMER else None)
        for t in conversation.turns
    ]
    return ConversationAnalysis(conversation.id, turns, Trend.STEADY, 0.1, [])


class Recorder:
    """Stands in for `analysis.pipeline.analyze_many`; the first batch waits for `release`."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()

    def __call__(
        self, conversations: Iterable[Conversation], _settings: object = None
    ) -> Iterator[ConversationAnalysis]:
        items = list(conversations)
        self.batches.append([c.id for c in items])
        if len(self.batches) == 1:
            assert self.release.wait(10)
        for item in items:
            if item.id == "bad":
                raise MalformedInput("not a conversation the pipeline can read")
            if item.id == "no-model":
                raise ModelUnavailable("the models could not be loaded")
            yield _cue_analysis(item)


def _conv(name: str, text: str = "Where is my order? It is late.") -> Conversation:
    return Conversation(name, (Turn(Role.CUSTOMER, text),))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    monkeypatch.setattr("calmdesk.analysis.pipeline.analyze_many", rec)
    return rec


def _ask_all(
    analyzer: BatchingAnalyzer, conversations: list[Conversation], rec: Recorder
) -> dict[str, ConversationAnalysis | BaseException]:
    answers: dict[str, ConversationAnalysis | BaseException] = {}

    def ask(conversation: Conversation) -> None:
        try:
            answers[conversation.id] = analyzer.analyze(conversation)
        except Exception as exc:  # noqa: BLE001 - the test looks at which error each got
            answers[conversation.id] = exc

    first = threading.Thread(target=ask, args=(conversations[0],))
    first.start()
    while not rec.batches:  # the first analysis is running (and waiting) in the batch thread
        threading.Event().wait(0.005)
    others = [threading.Thread(target=ask, args=(c,)) for c in conversations[1:]]
    for thread in others:
        thread.start()
    while len(analyzer._queue) < len(others):  # all of them queued behind the first
        threading.Event().wait(0.005)
    rec.release.set()
    for thread in [first, *others]:
        thread.join(10)
    return answers


def test_analyses_asked_together_run_as_one_batch_with_the_same_answers(
    recorder: Recorder,
) -> None:
    analyzer = BatchingAnalyzer(Settings(_env_file=None))  # type: ignore[call-arg]
    texts = ["Where is my order?", "This is a disgrace, I want a refund now!", "Thanks a lot"]
    conversations = [_conv(f"c{n}", text) for n, text in enumerate(["Hello", *texts])]
    answers = _ask_all(analyzer, conversations, recorder)
    assert recorder.batches == [["c0"], ["c1", "c2", "c3"]]
    for conversation in conversations:
        assert answers[conversation.id] == _cue_analysis(conversation)


def test_a_conversation_asked_again_is_answered_from_the_cache(recorder: Recorder) -> None:
    recorder.release.set()
    analyzer = BatchingAnalyzer(Settings(_env_file=None))  # type: ignore[call-arg]
    conversation = _conv("again")
    first = analyzer.analyze(conversation)
    assert analyzer.analyze(conversation) is first
    assert recorder.batches == [["again"]]


def test_one_bad_conversation_in_a_batch_fails_only_its_own_request(recorder: Recorder) -> None:
    analyzer = BatchingAnalyzer(Settings(_env_file=None))  # type: ignore[call-arg]
    conversations = [_conv("first"), _conv("ok-1"), _conv("bad"), _conv("no-model"), _conv("ok-2")]
    answers = _ask_all(analyzer, conversations, recorder)
    assert isinstance(answers["bad"], MalformedInput)
    assert isinstance(answers["no-model"], ModelUnavailable)
    for name in ("first", "ok-1", "ok-2"):
        assert answers[name] == _cue_analysis(_conv(name))
    # the failed batch was retried one conversation at a time
    assert recorder.batches[1] == ["ok-1", "bad", "no-model", "ok-2"]
    assert sorted(map(tuple, recorder.batches[2:])) == [
        ("bad",),
        ("no-model",),
        ("ok-1",),
        ("ok-2",),
    ]


def test_a_batch_never_holds_more_than_max_batch(recorder: Recorder) -> None:
    analyzer = BatchingAnalyzer(Settings(_env_file=None), max_batch=2)  # type: ignore[call-arg]
    conversations = [_conv(f"m{n}") for n in range(6)]
    answers = _ask_all(analyzer, conversations, recorder)
    assert all(isinstance(answers[c.id], ConversationAnalysis) for c in conversations)
    assert max(len(b) for b in recorder.batches) == 2
    assert sorted(i for b in recorder.batches for i in b) == sorted(c.id for c in conversations)


def test_the_web_app_posts_turns_through_the_batching_analyzer(
    world: World, recorder: Recorder
) -> None:
    """The default analyzer of `create_app` is the batching one (here with the analysis in this
    process: `analysis_process` off; the second process: test_analysis_process.py); a post stores
    its signals."""
    from calmdesk.web import create_app

    recorder.release.set()
    settings = world.ctx.settings.model_copy(
        update={
            "database_url": str(world.ctx.sessions.kw["bind"].url.render_as_string(False)),
            "analysis_process": False,
        }
    )
    app = create_app(settings)
    ctx = app.state.actions
    assert isinstance(ctx.analysis, BatchingAnalyzer)
    conv = world.open(world.calm_customer)
    posted = add_customer_turn(
        ctx, Actor.for_customer(world.calm_customer.id), conv.id, "This is a disgrace!"
    )
    assert posted.turn.signals == to_jsonable(cue_signals("This is a disgrace!"))
    assert recorder.batches == [[str(conv.id)]]
    app.state.engine.dispose()
