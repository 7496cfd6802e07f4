"""Abuse limits of the public intake, counted in the shared limit store (`web.ratelimit`).

New conversations are counted per client address (`CALMDESK_PUBLIC_PER_IP_PER_HOUR`, a fixed
hour). Messages per chat token (API and chat socket together) are limited by the request limits
of `web.ratelimit` (`CALMDESK_RATE_CHAT_PER_MIN`).
Over a limit the caller gets 429 with `Retry-After` and a message saying what to do. The store is
the database, Redis or memory, as for every other request limit, so several server processes
count together.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from calmdesk.config import Settings
from calmdesk.domain.errors import IntakeLimited
from calmdesk.web.ratelimit import LimitStore, MemoryStore

__all__ = ["IntakeLimits", "LimitsDep"]


class IntakeLimits:
    """New conversations per client address, counted in the shared limit store
    (`web.ratelimit`), so several server processes enforce the same limit."""

    def __init__(self, settings: Settings, store: LimitStore | None = None) -> None:
        self._per_ip = max(1, settings.public_per_ip_per_hour)
        self._store: LimitStore = store if store is not None else MemoryStore()

    def _over(self, key: str, window_s: int, limit: int) -> bool:
        (count,) = self._store.hit([(key, window_s)], time.time())
        return count > limit

    def new_conversation(self, address: str) -> None:
        """Count a new conversation from `address`; IntakeLimited over the hourly limit."""
        if self._over(f"intake-ip:{address}", 3600, self._per_ip):
            raise IntakeLimited(
                "Too many new conversations from your network in the last hour; please wait "
                "a while, or continue in the conversation you already started."
            )


async def get_limits(request: Request) -> IntakeLimits:
    limits: IntakeLimits = request.app.state.intake_limits
    return limits


LimitsDep = Annotated[IntakeLimits, Depends(get_limits)]
