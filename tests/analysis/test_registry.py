from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import calmdesk.analysis as analysis
from calmdesk.analysis import scorer, scorers
from calmdesk.analysis.customer.scorers import LEARNED
from calmdesk.analysis.registry import NEEDS, register
from calmdesk.domain import CustomerSignals, UnsupportedValue

CHECKED_IN = Path(__file__).with_name("scorers.txt")


def test_registry_matches_the_checked_in_list_in_order() -> None:
    expected = CHECKED_IN.read_text(encoding="utf-8").split()
    assert [s.name for s in scorers()] == expected


def test_registry_scorers_declare_known_needs() -> None:
    for each in scorers():
        assert each.needs and each.needs <= NEEDS, each.name


def test_registry_scorers_together_set_every_signal_but_truncated() -> None:
    fields = {f.name for f in dataclasses.fields(CustomerSignals)} - {"truncated"}
    rules = [s for s in scorers() if s.name != LEARNED]
    set_by = [name for s in rules for name in s.sets]
    assert sorted(set_by) == sorted(fields)  # each field once by the rule scorers...
    (learned,) = [s for s in scorers() if s.name == LEARNED]
    assert scorers()[-1] is learned and set(learned.sets) < fields  # ...the learned one re-reads


def test_registry_lookup_of_an_unknown_name_is_a_clear_error() -> None:
    assert scorer("upset").name == "upset"
    with pytest.raises(UnsupportedValue, match="known: language, sarcasm"):
        scorer("mood")


@pytest.mark.parametrize(("name", "needs"), [("upset", {"text"}), ("new_one", {"telepathy"})])
def test_registry_refuses_duplicates_and_unknown_needs(name: str, needs: set[str]) -> None:
    with pytest.raises(UnsupportedValue):
        register(name, needs=needs, sets=())


def test_analysis_public_api_is_complete() -> None:
    public = {n for n in vars(analysis) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(analysis, n)).__name__ == "module"}
    assert public - modules == set(analysis.__all__)
