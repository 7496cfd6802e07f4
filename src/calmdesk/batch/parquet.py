"""Scorecards as Parquet (`calmdesk qa --out DIR`): one file per partition, written where the
partition was scored (on a Dask worker: shared storage)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from calmdesk.domain.errors import ExtraMissing

__all__ = ["COLUMNS", "write_records"]

COLUMNS = ("line", "id", "score", "error", "criteria", "agent_turns", "outcome")
"""Columns of a scorecard file; `criteria`, `agent_turns` and `outcome` hold JSON text."""


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def write_records(records: Sequence[dict[str, Any]], lines: Sequence[int], path: Path) -> int:
    """Write `records` (from input lines `lines`) to `path`: a temporary name, then renamed."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExtraMissing("--out needs pyarrow; pip install 'calmdesk[batch]'.") from None
    table = pa.table(
        {
            "line": pa.array(list(lines), pa.int64()),
            "id": pa.array([r.get("id") for r in records], pa.string()),
            "score": pa.array([r.get("score") for r in records], pa.int32()),
            "error": pa.array([r.get("error") for r in records], pa.string()),
            "criteria": pa.array([_json(r.get("criteria")) for r in records], pa.string()),
            "agent_turns": pa.array([_json(r.get("agent_turns")) for r in records], pa.string()),
            "outcome": pa.array([_json(r.get("outcome")) for r in records], pa.string()),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return len(records)
