"""What a QA analyst may change: the QA workspace and their own account, nothing else.

A `qa_analyst` reads the conversations of their team and scores them (scorecards, overrides,
calibration, sampling, the team's analytics). They never reply to customers, assign, claim,
block, resolve or administer: every unsafe request (POST, PUT, PATCH, DELETE) of an analyst is
refused with 403 here, before the route runs, unless its route is one of `ANALYST_WRITES`. One
list decides it, so a write route added later is closed to analysts until someone opens it."""

from __future__ import annotations

import re

from starlette.requests import Request

from calmdesk.domain.errors import PermissionDenied
from calmdesk.storage.enums import UserRole

__all__ = ["ANALYST_WRITES", "check_analyst_write"]

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ANALYST_WRITES = frozenset(
    {
        # the QA workspace
        ("POST", "/console/qa/conversations/{conversation_id}/override"),
        ("POST", "/console/qa/conversations/{conversation_id}/respond"),
        # their own account: log in and out, password, own sessions and tokens
        ("POST", "/console/login"),
        ("POST", "/console/logout"),
        ("POST", "/console/account/password"),
        ("POST", "/console/account/sessions/{session_id}/revoke"),
        ("POST", "/console/account/sessions/revoke-others"),
        ("POST", "/api/v1/login"),
        ("POST", "/api/v1/logout"),
        ("POST", "/api/v1/me/password"),
        ("DELETE", "/api/v1/sessions/{session_id}"),
        ("DELETE", "/api/v1/tokens/{token_id}"),
    }
)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


_ALLOWED = [(method, _pattern(path)) for method, path in sorted(ANALYST_WRITES)]


def check_analyst_write(request: Request, role: UserRole) -> None:
    """PermissionDenied when a QA analyst sends a write outside the QA workspace (matched on the
    request's path, whatever router serves it)."""
    if role is not UserRole.QA_ANALYST or request.method not in _UNSAFE:
        return
    path = request.url.path
    if any(method == request.method and p.match(path) for method, p in _ALLOWED):
        return
    raise PermissionDenied(
        "A QA analyst reads and scores conversations; replying, assigning, blocking and "
        "administering are for agents, supervisors and admins."
    )
