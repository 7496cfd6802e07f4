"""Reading the labelled data: fixed splits and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from calmdesk.domain.errors import MalformedInput, NotFound
from calmdesk.training import data as d


@pytest.mark.parametrize("key", ["a", "row-17", "wikipedia:629705", ""])
def test_fold_of_is_stable_and_in_range(key: str) -> None:
    assert d.fold_of(key) == d.fold_of(key)
    assert 0 <= d.fold_of(key, 7) < 7


def test_fold_of_spreads_ids_over_folds() -> None:
    counts = [0] * 5
    for i in range(1000):
        counts[d.fold_of(f"id{i}")] += 1
    assert min(counts) > 150


def test_split_holds_out_disjoint_rows(tiny_data: Path) -> None:
    full = d.complaints(tiny_data)
    rest, held = full.split()
    assert len(rest) + len(held) == len(full)
    assert not set(rest.ids) & set(held.ids)


def test_read_rows_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        d.read_rows(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "content",
    [b"", b"words,other\nx,y\n", b"text,label\n\xff\xfe\xfa,bad\n"],
    ids=["empty", "wrong-columns", "not-utf8"],
)
def test_read_rows_bad_file_is_malformed(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(MalformedInput):
        d.read_rows(path)


def test_goemotions_labels_are_tuples(tiny_data: Path) -> None:
    rows = d.goemotions(tiny_data, "train")
    assert ("gratitude", "joy") in rows.labels


def test_cga_reads_turns_and_labels(tiny_data: Path) -> None:
    conversations = d.cga(tiny_data / "cga" / "cmv.jsonl")
    assert len(conversations) == 20
    assert conversations[0].derailed and not conversations[1].derailed
    assert all(c.turns for c in conversations)


def test_cga_bad_line_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"convo_id": 1}\n', encoding="utf-8")
    with pytest.raises(MalformedInput):
        d.cga(path)
