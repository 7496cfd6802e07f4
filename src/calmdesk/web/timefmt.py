"""One way to write a date and time on a page, in the viewer's locale and the team's time zone.

The console's pages and the customer's chat write every date-time with `stamp` (and a time of day
with `clock`); whether that is a 24-hour clock ("Tue 01 Dec 17:30") or a 12-hour one ("Tue Dec 1,
5:30 PM") follows the viewer's `Accept-Language` (its first language tag), which the console's
middleware records per request (`viewer_locale`). Dates alone ("01 Dec 2026") stay dates.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, tzinfo
from typing import Any

__all__ = ["ViewerClock", "clock", "is_12_hour", "stamp", "viewer_locale"]

# Regions whose everyday clock is 12-hour (CLDR's preferred hour cycle "h").
_TWELVE = frozenset({"US", "CA", "AU", "NZ", "IN", "PH", "PK", "BD", "EG", "SA", "MY", "CO"})
_twelve: ContextVar[bool] = ContextVar("calmdesk_twelve_hour", default=False)


def is_12_hour(accept_language: str | None) -> bool:
    """Whether the first language tag of an `Accept-Language` header prefers a 12-hour clock."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip()
    parts = first.replace("_", "-").split("-")
    if len(parts) < 2:
        return first.lower() == "en"  # a bare "en" is usually a US browser
    return parts[0].lower() != "fr" and parts[-1].upper() in _TWELVE  # fr-CA: 24-hour


@contextlib.contextmanager
def viewer_locale(accept_language: str | None) -> Iterator[None]:
    """Pages rendered inside use the viewer's clock."""
    token = _twelve.set(is_12_hour(accept_language))
    try:
        yield
    finally:
        _twelve.reset(token)


def _twelve_hour(at: datetime) -> str:
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def clock(at: datetime, tz: tzinfo) -> str:
    """The time of day: `17:30`, or `5:30 PM`."""
    local = at.astimezone(tz)
    return _twelve_hour(local) if _twelve.get() else local.strftime("%H:%M")


def stamp(at: datetime, tz: tzinfo) -> str:
    """A date and time: `Tue 01 Dec 17:30`, or `Tue Dec 1, 5:30 PM`."""
    local = at.astimezone(tz)
    if _twelve.get():
        return f"{local.strftime('%a %b')} {local.day}, {_twelve_hour(local)}"
    return local.strftime("%a %d %b %H:%M")


class ViewerClock:
    """ASGI middleware: pages rendered for a request use its `Accept-Language` clock."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        language = headers.get(b"accept-language", b"").decode("latin-1")[:200]
        with viewer_locale(language):
            await self.app(scope, receive, send)
