"""What every console page shares: the logged-in staff member and the template context."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from calmdesk.domain.errors import PermissionDenied
from calmdesk.web.deps import PrincipalDep, StaffPrincipal
from calmdesk.web.pages import LoginRequired

__all__ = ["ConsoleUser", "console_user", "page_context"]


async def console_user(request: Request, principal: PrincipalDep) -> StaffPrincipal:
    """The logged-in staff member; a browser without a session is sent to the login page."""
    if isinstance(principal, StaffPrincipal):
        return principal
    if principal is None:
        raise LoginRequired(request.url.path)
    raise PermissionDenied("A chat link cannot open the console; staff must log in.")


ConsoleUser = Annotated[StaffPrincipal, Depends(console_user)]


def page_context(user: StaffPrincipal, **extra: Any) -> dict[str, Any]:
    """What every console template gets: the user and the CSRF token for forms and htmx."""
    return {"user": user, "csrf_token": user.csrf or "", **extra}
