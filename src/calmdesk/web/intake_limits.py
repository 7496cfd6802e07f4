"""Abuse limits of the public intake, built on the login throttle's sliding-window counter.

New conversations are counted per client address (`CALMDESK_PUBLIC_PER_IP_PER_HOUR`), customer
messages per chat token (`CALMDESK_PUBLIC_PER_TOKEN_PER_MINUTE`). Over a limit the caller gets
429 with `Retry-After` and a message saying what to do. In memory, per process, like the login
throttle (calmdesk serves with one worker).
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request

from calmdesk.config import Settings
from calmdesk.domain.errors import IntakeLimited, TooManyAttempts
from calmdesk.web.auth import LoginThrottle

__all__ = ["IntakeLimits", "LimitsDep", "client_address"]


def client_address(scope_client: object) -> str:
    """The peer address of a request (`request.client`), `unknown` when there is none."""
    host = getattr(scope_client, "host", None)
    return str(host) if host else "unknown"


class IntakeLimits:
    def __init__(self, settings: Settings) -> None:
        per_ip = max(1, settings.public_per_ip_per_hour)
        per_token = max(1, settings.public_per_token_per_minute)
        self._ip = LoginThrottle(per_user=per_ip, per_client=per_ip, window_s=3600.0)
        self._token = LoginThrottle(per_user=per_token, per_client=per_token, window_s=60.0)

    def new_conversation(self, address: str) -> None:
        """Count a new conversation from `address`; IntakeLimited over the hourly limit."""
        try:
            self._ip.check(address, address)
        except TooManyAttempts:
            raise IntakeLimited(
                "Too many new conversations from your network in the last hour; please wait "
                "a while, or continue in the conversation you already started."
            ) from None
        self._ip.failed(address, address)

    def message(self, token: str) -> None:
        """Count a customer message sent with `token`; IntakeLimited over the per-minute limit."""
        key = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]
        try:
            self._token.check(key, key)
        except TooManyAttempts:
            raise IntakeLimited(
                "You are sending messages very fast; wait a minute, then send again. "
                "Nothing you sent before was lost."
            ) from None
        self._token.failed(key, key)


def get_limits(request: Request) -> IntakeLimits:
    limits: IntakeLimits = request.app.state.intake_limits
    return limits


LimitsDep = Annotated[IntakeLimits, Depends(get_limits)]
