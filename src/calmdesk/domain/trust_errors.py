"""Errors of the trust area (issue 9), coded E700-E749.

E700 RateLimited              (domain: `calmdesk.web.ratelimit.RateLimited`, 429)
E701 EscalationTargetInvalid  the person named cannot take this escalation (400)
"""

from __future__ import annotations

from calmdesk.domain.errors import InputError

__all__ = ["EscalationTargetInvalid"]


class EscalationTargetInvalid(InputError):
    code = "E701"
    default_message = (
        "That person cannot take this escalation: name an active supervisor of the case's team "
        "(or of the team you escalate to), or an admin; or leave it empty for the team's "
        "supervisor."
    )
