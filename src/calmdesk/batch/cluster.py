"""`calmdesk qa` on a Dask distributed cluster: partitions of conversations go to the workers and
the results come back in input order, with a bounded number of partitions in flight (memory
stays bounded on any input size). This is the only module that imports dask."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from calmdesk.analysis.reply import Playbook
from calmdesk.batch.qa import (
    PARTITION_LINES,
    Line,
    partitions,
    score_partition,
    score_partition_jsonl,
    score_partition_to,
)
from calmdesk.config import Settings
from calmdesk.domain.errors import ClusterUnavailable, ExtraMissing

__all__ = ["IN_FLIGHT_PER_WORKER", "cluster_client", "run_on_cluster"]

IN_FLIGHT_PER_WORKER = 2
"""Partitions queued per worker: enough to keep each busy, few enough to bound memory."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExtraMissing("--scheduler and --workers need dask[distributed].") from None
    return distributed


@contextmanager
def cluster_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A Dask client: to the scheduler at `scheduler` (tcp://HOST:PORT), or to a new local cluster
    of `workers` processes on loopback, closed on the way out."""
    distributed = _distributed()
    if scheduler is not None:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://")):
            raise ClusterUnavailable(
                f"--scheduler must look like tcp://HOST:PORT, got {scheduler!r}."
            )
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ClusterUnavailable(
                f"No Dask scheduler answered at {scheduler} ({exc})."
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = distributed.LocalCluster(
        n_workers=max(1, workers or 1),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=40,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _workers(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def run_on_cluster(
    client: Any,
    lines: Iterable[Line],
    settings: Settings,
    playbook: Playbook,
    *,
    size: int = PARTITION_LINES,
    out_dir: str | None = None,
    as_text: bool = False,
) -> Iterator[Any]:
    """Scored partitions in input order (lists of records; `as_text`: (JSON Lines text, records,
    error records) made on the worker), or with `out_dir` the (rows, errors) of each partition
    file written by the workers."""
    window = IN_FLIGHT_PER_WORKER * _workers(client)
    pending: deque[Any] = deque()
    [settings_f, playbook_f] = client.scatter([settings, playbook], broadcast=True)
    for index, part in enumerate(partitions(lines, size)):
        if out_dir is None:
            task = score_partition_jsonl if as_text else score_partition
            fut = client.submit(task, part, settings_f, playbook_f, pure=False)
        else:
            fut = client.submit(
                score_partition_to, part, settings_f, playbook_f, out_dir, index, pure=False
            )
        pending.append(fut)
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
