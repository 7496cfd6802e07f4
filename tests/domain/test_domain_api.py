from __future__ import annotations

import pkgutil
from datetime import UTC, datetime

import pytest

import calmdesk.domain as domain
from calmdesk.domain import (
    CalmdeskError,
    Cause,
    InputTooLarge,
    Role,
    Span,
    Turn,
    to_jsonable,
)


def test_domain_public_api_is_complete() -> None:
    exported = set(domain.__all__)
    modules = {m.name for m in pkgutil.iter_modules(domain.__path__)} | {"annotations"}
    public = {n for n in vars(domain) if not n.startswith("_") and n not in modules}
    assert public == exported


def test_to_jsonable_converts_enums_datetimes_and_dataclasses() -> None:
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    turn = Turn(role=Role.CUSTOMER, text="hi", at=at)
    expected = {"role": "customer", "text": "hi", "at": "2026-01-02T03:04:00+00:00"}
    assert to_jsonable(turn) == expected
    assert to_jsonable({"c": Cause.BILLING, "s": (Span(0, 2, "hi"),)}) == {
        "c": "billing",
        "s": [{"start": 0, "end": 2, "text": "hi", "label": ""}],
    }


@pytest.mark.parametrize("err", [InputTooLarge(), InputTooLarge("Send at most 10 lines.")])
def test_errors_carry_a_stable_code_and_a_message(err: CalmdeskError) -> None:
    assert str(err).startswith("E102: ")
    assert err.to_dict()["code"] == "E102"
