"""Errors of the admin screens for people (issue 11), coded E820-E829.

E820 LastActiveAdmin   the change would leave no active admin (409)
E821 SelfDeactivation  an admin tried to deactivate themselves (409)
E822 UnknownTeam       the team chosen does not exist (400)
E823 BadUsername       a username with characters other than letters, digits and . _ @ - (400)
E824 InactiveUser      the person is deactivated, so the change makes no sense (409)
E825 WeakPassword      a password shorter than 8 characters (400)
"""

from __future__ import annotations

from calmdesk.domain.errors import Conflict, InputError

__all__ = [
    "BadUsername",
    "InactiveUser",
    "LastActiveAdmin",
    "SelfDeactivation",
    "UnknownTeam",
    "WeakPassword",
]


class LastActiveAdmin(Conflict):
    code = "E820"
    default_message = (
        "This is the last active admin: make someone else an admin first, so calmdesk always "
        "has one."
    )


class SelfDeactivation(Conflict):
    code = "E821"
    default_message = "You cannot deactivate yourself; ask another admin."


class UnknownTeam(InputError):
    code = "E822"
    default_message = "There is no such team; choose one from the list."


class BadUsername(InputError):
    code = "E823"
    default_message = (
        "A username has 1 to 80 characters: letters, digits and . _ @ - only (no spaces)."
    )


class InactiveUser(Conflict):
    code = "E824"
    default_message = "This person is deactivated; nothing about them can change now."


class WeakPassword(InputError):
    code = "E825"
    default_message = "The password must have at least 8 characters."
