"""The playbook checks; importing this package registers every one of them."""

from calmdesk.analysis.reply.checks import action, listen, tone
from calmdesk.analysis.reply.checks.base import fail, not_needed, passed

__all__ = ["action", "fail", "listen", "not_needed", "passed", "tone"]
