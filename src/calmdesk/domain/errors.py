"""One exception tree for calmdesk, with stable codes and messages that say what to do.

    CalmdeskError
     ├── InputError            (E1xx) the caller sent something unusable
     │    ├── EmptyInput       E101
     │    ├── InputTooLarge    E102
     │    ├── MalformedInput   E103
     │    └── UnsupportedValue E104
     ├── NotFound              E201
     ├── PermissionDenied      E301
     │    ├── AuthenticationRequired E302  (nobody is logged in, or the token is invalid)
     │    └── TooManyAttempts  E303  (too many failed logins; wait and retry)
     ├── Conflict              E401
     ├── ConfigError           E501
     ├── ModelUnavailable      E601
     └── BackendUnavailable    E602  (the optional LLM endpoint failed; callers fall back)

Entry points (CLI, web) catch CalmdeskError and show `code: message`, never a traceback.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationRequired",
    "BackendUnavailable",
    "CalmdeskError",
    "ConfigError",
    "Conflict",
    "EmptyInput",
    "InputError",
    "InputTooLarge",
    "MalformedInput",
    "ModelUnavailable",
    "NotFound",
    "PermissionDenied",
    "TooManyAttempts",
    "UnsupportedValue",
]


class CalmdeskError(Exception):
    """Base of every error calmdesk raises on purpose."""

    code = "E000"
    default_message = "Something went wrong in calmdesk."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InputError(CalmdeskError):
    code = "E100"
    default_message = "The input could not be used; check its format."


class EmptyInput(InputError):
    code = "E101"
    default_message = "The input is empty; send some text."


class InputTooLarge(InputError):
    code = "E102"
    default_message = "The input is larger than calmdesk accepts; send less."


class MalformedInput(InputError):
    code = "E103"
    default_message = "The input is not in the expected format."


class UnsupportedValue(InputError):
    code = "E104"
    default_message = "A value is not one of those calmdesk accepts."


class NotFound(CalmdeskError):
    code = "E201"
    default_message = "Nothing was found with that identifier."


class PermissionDenied(CalmdeskError):
    code = "E301"
    default_message = "You are not allowed to do that."


class AuthenticationRequired(PermissionDenied):
    code = "E302"
    default_message = "Log in, or send a valid API token or chat token, and try again."


class TooManyAttempts(PermissionDenied):
    code = "E303"
    default_message = "Too many failed attempts; wait a few minutes and try again."


class Conflict(CalmdeskError):
    code = "E401"
    default_message = "That change conflicts with the current state; reload and try again."


class ConfigError(CalmdeskError):
    code = "E501"
    default_message = "The configuration is invalid; fix the named setting or file."


class ModelUnavailable(CalmdeskError):
    code = "E601"
    default_message = (
        "A model file is missing or unreadable; reinstall calmdesk or run `calmdesk models train`."
    )


class BackendUnavailable(CalmdeskError):
    code = "E602"
    default_message = (
        "The configured language-model endpoint did not give a usable answer; "
        "check CALMDESK_LLM_BASE_URL or leave it unset to use the offline composer."
    )


# --- the desk (issue 11): assignment, SLAs, search, macros; codes E800-E849 --------------------


class CaseHeldElsewhere(PermissionDenied):
    """The case was escalated or reassigned away from you: you may read it, not act on it."""

    code = "E801"
    default_message = "Someone else has this case now; you can read it but not act on it."


class AssignmentRefused(PermissionDenied):
    """Agents take unassigned cases of their team; only supervisors and admins assign others."""

    code = "E802"
    default_message = "Only a supervisor or an admin may assign cases to other people."


class NotClaimable(Conflict):
    code = "E803"
    default_message = "This case cannot be claimed: it is already assigned or not in your team."


class InvalidDeskSetting(InputError):
    """A routing setting, business hours or SLA policy that would not load; says why."""

    code = "E805"
    default_message = "That setting is not valid; nothing was changed."


class SearchQueryEmpty(InputError):
    code = "E806"
    default_message = "Type at least one word, or choose a customer, status, tag or date."
