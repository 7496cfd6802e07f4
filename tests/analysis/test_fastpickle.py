"""`analysis.fastpickle`: analyses written as constructor calls come back equal, field for field;
classes a constructor call would not rebuild exactly are pickled as usual."""

from __future__ import annotations

import pickle
from dataclasses import InitVar, dataclass, field

import pytest

from calmdesk.analysis import fastpickle
from calmdesk.analysis.pipeline import analyze_many
from calmdesk.domain import Conversation, Role, Turn
from calmdesk.domain.signals import AgentSignals, ConversationAnalysis, CustomerSignals
from calmdesk.domain.span import Span


def _conversations() -> list[Conversation]:
    said = [
        "My parcel is two weeks late, you useless idiots, get me your manager!",
        "I'm so sorry. I'll email the tracking today and refund the fee by Friday.",
        "Still nothing. I'll dispute the charge with my bank.",
        "I understand how frustrating this is; I have refunded the order just now.",
        "Danke, das ist alles.",
    ]
    roles = [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    turns = tuple(Turn(r, t) for r, t in zip(roles, said, strict=True))
    return [Conversation("fp-1", turns), Conversation("fp-2", turns[:2])]


@pytest.mark.slow
def test_real_analyses_come_back_equal_and_smaller() -> None:
    analyses = list(analyze_many(_conversations(), processes=1))
    assert isinstance(analyses[0].turns[1].signals, AgentSignals)
    assert analyses[0].turns[1].signals.review is not None  # check results, commitments, spans
    fast = fastpickle.dumps(analyses)
    back = pickle.loads(fast)
    assert back == analyses
    assert [type(t.signals) for t in back[0].turns] == [type(t.signals) for t in analyses[0].turns]
    customer = back[0].turns[0].signals
    assert isinstance(customer, CustomerSignals) and customer.abuse_spans
    assert len(fast) < len(pickle.dumps(analyses, 5))


def test_the_conversations_sent_come_back_equal() -> None:
    message = (3, _conversations(), 20_000, None)
    assert pickle.loads(fastpickle.dumps(message)) == message


def test_frozen_and_plain_slotted_dataclasses_use_a_constructor_call() -> None:
    assert fastpickle.reducer(Span) is not None
    assert fastpickle.reducer(ConversationAnalysis) is not None
    span = Span(3, 9, "idiots", "insult")
    assert fastpickle.reducer(Span)(span) == (Span, (3, 9, "idiots", "insult"))  # type: ignore[misc]


@dataclass
class _WithDict:  # instances have a __dict__: an attribute set later would be lost
    a: int


@dataclass(slots=True)
class _PostInit:
    a: int
    b: int = 0

    def __post_init__(self) -> None:
        self.b += 1  # a constructor call would add one again


@dataclass(slots=True)
class _NotInInit:
    a: int
    b: list[int] = field(init=False, default_factory=list)


@dataclass(slots=True)
class _WithInitVar:
    a: int
    scale: InitVar[int] = 1


@dataclass(slots=True)
class _OwnState:
    a: int

    def __getstate__(self) -> object:
        return {"a": -self.a}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.a = -state["a"]


@pytest.mark.parametrize("cls", [_WithDict, _PostInit, _NotInInit, _WithInitVar, _OwnState, int])
def test_other_classes_are_pickled_as_usual(cls: type) -> None:
    assert fastpickle.reducer(cls) is None


def test_objects_of_other_classes_come_back_as_plain_pickle_gives_them() -> None:
    with_dict = _WithDict(1)
    with_dict.extra = "kept"  # type: ignore[attr-defined]
    post = _PostInit(1)
    later = _NotInInit(1)
    later.b.append(7)
    values = [with_dict, post, later, _OwnState(4), Span(0, 1, "x", "y")]
    back = pickle.loads(fastpickle.dumps(values))
    assert back[0].extra == "kept"
    assert (back[1].a, back[1].b) == (1, 1)
    assert back[2].b == [7]
    assert back[3].a == 4
    assert back == pickle.loads(pickle.dumps(values, 5))
