"""The huey queue: SqliteHuey by default (persists across worker restarts), Redis when configured,
an in-memory immediate queue for tests."""

from __future__ import annotations

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from calmdesk.config import Settings
from calmdesk.domain import ConfigError

__all__ = ["BACKENDS", "create_huey"]

BACKENDS = ("sqlite", "redis", "memory")


def create_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    """The queue named by `Settings.huey_backend`; ConfigError for an unusable setting."""
    backend = settings.huey_backend
    if backend == "sqlite":
        path = settings.huey_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("calmdesk", filename=str(path), utc=True, immediate=immediate)
    if backend == "redis":
        if not settings.redis_url:
            raise ConfigError("CALMDESK_HUEY_BACKEND=redis needs CALMDESK_REDIS_URL.")
        return RedisHuey("calmdesk", url=settings.redis_url, utc=True, immediate=immediate)
    if backend == "memory":
        return MemoryHuey("calmdesk", immediate=True, utc=True)
    raise ConfigError(f"CALMDESK_HUEY_BACKEND={backend!r}; use one of {', '.join(BACKENDS)}.")
