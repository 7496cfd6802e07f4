"""Reading a trained artefact once per process (the heads files in `analysis/models/`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from calmdesk.domain.errors import ModelUnavailable

__all__ = ["Artefacts"]

T = TypeVar("T")


class Artefacts(Generic[T]):
    """`get(path)`: the artefact in `path` read by `read`, once per process and path, under a
    lock. A file that cannot be read (missing, corrupt, other fields) is ModelUnavailable naming
    `what`; `read` may raise ModelUnavailable itself for a file of the wrong kind."""

    def __init__(self, read: Callable[[Path], T], what: str) -> None:
        self._read = read
        self._what = what
        self._lock = threading.Lock()
        self._loaded: dict[Path, T] = {}

    def get(self, path: Path) -> T:
        with self._lock:
            if path not in self._loaded:
                try:
                    self._loaded[path] = self._read(path)
                except (OSError, ValueError, KeyError) as exc:
                    raise ModelUnavailable(f"Cannot read the {self._what} file {path}.") from exc
            return self._loaded[path]
