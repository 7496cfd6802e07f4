"""Secrets out of the access log: chat tokens in paths (`/chat/<token>`) and `token=` queries.

uvicorn logs every request line (`"GET /chat/eyJ2Ijo... HTTP/1.1" 200`); a chat token there would
let anyone who reads the logs into that customer's chat. The filter rewrites the path argument of
each `uvicorn.access` record before any handler formats it.
"""

from __future__ import annotations

import logging
import re

__all__ = ["AccessLogScrub", "install_access_log_scrub", "scrub_path"]

_CHAT_PATH = re.compile(r"(/chat/)[^/?\s]+")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:token|chat_token|access_token)=)[^&\s]*")


def scrub_path(path: str) -> str:
    """`path` with chat tokens and token query values replaced by `[redacted]`."""
    return _QUERY_SECRET.sub(r"\1[redacted]", _CHAT_PATH.sub(r"\1[redacted]", path))


class AccessLogScrub(logging.Filter):
    """Rewrites uvicorn's access-log arguments (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], scrub_path(args[2]), *args[3:])
        elif isinstance(record.msg, str) and "/chat/" in record.msg:
            record.msg = scrub_path(record.msg)
        return True


_FILTER = AccessLogScrub()


def install_access_log_scrub() -> None:
    """Add the filter to uvicorn's access logger (idempotent)."""
    logger = logging.getLogger("uvicorn.access")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
