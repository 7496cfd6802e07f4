"""`calmdesk qa` on a real Dask cluster (local processes on loopback) gives exactly the output of
the in-process run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from calmdesk.analysis import HeadRow, Models, analysis_record, analyze_many
from calmdesk.analysis.wire import conversation_from_json
from calmdesk.cli import app

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

TEXTS = [
    ("customer", "My parcel was meant to come Monday and it still hasn't. Ridiculous!"),
    ("agent", "I'm sorry your parcel is late. I've re-sent it today; it arrives tomorrow by noon."),
    ("bot", "Not our fault, the courier is to blame."),
    ("customer", "Thanks, that works."),
]


def _stored(i: int) -> str:
    """A conversation with its stored analysis merged in, so the workers load no models."""
    import numpy as np

    raw = {
        "id": f"d{i}",
        "turns": [{"role": r, "text": f"{t} #{i}"} for r, t in TEXTS[: 2 + i % 3]],
    }
    models = Models(
        lambda texts: np.zeros((len(texts), 384), dtype=np.float32),
        lambda texts, vectors: [HeadRow.neutral() for _ in texts],
    )
    (analysis,) = analyze_many([conversation_from_json(raw)], models=models)
    stored = analysis_record(analysis)
    raw["turns"] = [
        dict(t, signals=s["signals"]) for t, s in zip(raw["turns"], stored["turns"], strict=True)
    ]
    return json.dumps(raw)


@pytest.fixture(scope="module")
def input_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = [_stored(i) for i in range(30)]
    lines.insert(7, "not json")
    lines.insert(19, '{"id": "bad", "turns": [{"role": "agent"}]}')
    path = tmp_path_factory.mktemp("qa") / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0", silence_logs=40,
    ) as local:  # fmt: skip
        yield local


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, ["qa", "--no-progress", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_qa_dask_scheduler_gives_the_in_process_output(input_file: Path, cluster: Any) -> None:
    here = _run(str(input_file))
    there = _run("--scheduler", cluster.scheduler_address, "--partition", "4", str(input_file))
    assert there == here
    records = [json.loads(x) for x in here.splitlines()]
    assert len(records) == 32 and records[7]["error"].startswith("E103: line 8:")


def test_qa_dask_local_workers_give_the_in_process_output(input_file: Path) -> None:
    assert _run("--workers", "2", "--partition", "5", str(input_file)) == _run(str(input_file))


def test_qa_dask_workers_write_parquet_like_in_process(
    input_file: Path, cluster: Any, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    _run("--partition", "6", "--out", str(tmp_path / "here"), str(input_file))
    _run("--scheduler", cluster.scheduler_address, "--partition", "6", "--out",
         str(tmp_path / "there"), str(input_file))  # fmt: skip
    here = pq.read_table(tmp_path / "here").sort_by("line").to_pylist()
    there = pq.read_table(tmp_path / "there").sort_by("line").to_pylist()
    assert here == there and len(here) == 32
