"""`calmdesk qa` over a stream of JSON Lines, in process: read, score in partitions, write in order.

Everything here is plain Python (no dask): the Dask runner (`batch/cluster.py`) sends the same
partitions to `score_partition` on its workers, so both modes give the same output."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, Any

from calmdesk.analysis.pipeline import analyze_many
from calmdesk.analysis.qa import QaItem, parse_qa_line, score_conversation, scorecard_record
from calmdesk.analysis.reply import Playbook
from calmdesk.analysis.wire import peek_id
from calmdesk.config import Settings
from calmdesk.domain.errors import CalmdeskError, InputError, InputTooLarge, ModelUnavailable

__all__ = [
    "MAX_LINE_BYTES",
    "PARTITION_LINES",
    "Line",
    "numbered_lines",
    "partitions",
    "run_in_process",
    "jsonl",
    "score_partition",
    "score_partition_jsonl",
    "score_partition_to",
]

MAX_LINE_BYTES = 16 * 1024 * 1024
PARTITION_LINES = 256
"""Conversations scored together: one analysis batch in process, one task on a Dask worker."""

Line = tuple[int, bytes | str]
"""A numbered input line; the text is an error message when the line could not be read."""


def numbered_lines(stream: IO[bytes]) -> Iterator[Line]:
    """Numbered non-blank lines; a line over MAX_LINE_BYTES becomes an error string (skipped)."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield number, str(InputTooLarge(f"line {number} is over {MAX_LINE_BYTES:,} bytes."))
        elif raw.strip():
            yield number, raw


def partitions(lines: Iterable[Line], size: int = PARTITION_LINES) -> Iterator[list[Line]]:
    """Consecutive groups of `size` lines (the last may be shorter)."""
    it = iter(lines)
    while part := list(islice(it, max(1, size))):
        yield part


def _error(cid: str | None, message: str) -> dict[str, Any]:
    return {"id": cid, "error": message}


def _parse(number: int, raw: bytes | str) -> QaItem | dict[str, Any]:
    if isinstance(raw, str):
        return _error(None, raw)
    try:
        return parse_qa_line(raw)
    except InputError as err:
        err.message = f"line {number}: {err.message}"
        return _error(peek_id(raw), str(err))


def _analyses(items: list[QaItem], settings: Settings) -> dict[int, Any]:
    """Analyses of the items that brought none, by position; a failing batch is redone one by one
    so one bad conversation costs only itself."""
    todo = [i for i, item in enumerate(items) if item.analysis is None]
    if not todo:
        return {}
    try:
        done = list(analyze_many([items[i].conversation for i in todo], settings))
        return dict(zip(todo, done, strict=True))
    except ModelUnavailable:
        raise
    except CalmdeskError:
        out: dict[int, Any] = {}
        for i in todo:
            try:
                out[i] = next(analyze_many([items[i].conversation], settings))
            except ModelUnavailable:
                raise
            except CalmdeskError as err:
                out[i] = err
        return out


def _score(item: QaItem, analysis: Any, playbook: Playbook) -> dict[str, Any]:
    if isinstance(analysis, CalmdeskError):
        return _error(item.conversation.id, str(analysis))
    try:
        card = score_conversation(item.conversation, analysis, playbook, facts=item.facts)
    except CalmdeskError as err:
        return _error(item.conversation.id, str(err))
    return scorecard_record(card)


def score_partition(part: Sequence[Line], settings: Settings, playbook: Playbook) -> list[Any]:
    """The output records of one partition, in input order: a scorecard or `{"id", "error"}`."""
    parsed = [_parse(n, raw) for n, raw in part]
    items = [p for p in parsed if isinstance(p, QaItem)]
    fresh = _analyses(items, settings)
    scored = iter(
        [_score(item, fresh.get(i, item.analysis), playbook) for i, item in enumerate(items)]
    )
    return [p if isinstance(p, dict) else next(scored) for p in parsed]


def run_in_process(
    lines: Iterable[Line], settings: Settings, playbook: Playbook, size: int = PARTITION_LINES
) -> Iterator[list[Any]]:
    """Scored partitions in input order, one at a time (memory: one partition)."""
    for part in partitions(lines, size):
        yield score_partition(part, settings, playbook)


def score_partition_to(
    part: Sequence[Line], settings: Settings, playbook: Playbook, out_dir: str, index: int
) -> tuple[int, int]:
    """Score one partition and write it as `out_dir/part-NNNNNN.parquet`; (rows, error rows)."""
    from calmdesk.batch.parquet import write_records

    records = score_partition(part, settings, playbook)
    path = Path(out_dir) / f"part-{index:06d}.parquet"
    write_records(records, [n for n, _ in part], path)
    return len(records), sum(1 for r in records if "error" in r)


def jsonl(records: Sequence[dict[str, Any]]) -> str:
    """Records as JSON Lines text."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def score_partition_jsonl(
    part: Sequence[Line], settings: Settings, playbook: Playbook
) -> tuple[str, int, int]:
    """One partition scored and written as JSON Lines where it is scored: (text, records, error
    records). On a cluster the worker sends back one string instead of nested dicts, so the
    client neither unpickles the records nor encodes them again (it only writes)."""
    records = score_partition(part, settings, playbook)
    return jsonl(records), len(records), sum(1 for r in records if "error" in r)
