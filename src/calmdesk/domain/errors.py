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
     ├── BackendUnavailable    E602  (the optional LLM endpoint failed; callers fall back)
     ├── ClusterUnavailable    E850  (the Dask scheduler named by --scheduler cannot be used)
     ├── ExtraMissing          E851  (an optional package, e.g. dask or pyarrow, is not installed)
     ├── (knowledge base) ArticleInvalid E901, KnowledgeBaseUnreadable E902 (InputError),
                          ArticleNotFound E903 (NotFound)
     └── intake (E75x)         MailRefused E750 (InputError), MailIgnored E751, MailLoop E752,
                               SenderBlocked E753, IntakeLimited E754 (TooManyAttempts),
                               HoneypotFilled E755, MailDeliveryFailed E756,
                               MailboxUnavailable E757, VerificationInvalid E758

Entry points (CLI, web) catch CalmdeskError and show `code: message`, never a traceback.
"""

from __future__ import annotations

__all__ = [
    "ArticleInvalid",
    "ArticleNotFound",
    "AuthenticationRequired",
    "BackendUnavailable",
    "CalmdeskError",
    "ClusterUnavailable",
    "ConfigError",
    "Conflict",
    "EmptyInput",
    "ExtraMissing",
    "InputError",
    "InputTooLarge",
    "KnowledgeBaseUnreadable",
    "IntakeLimited",
    "HoneypotFilled",
    "MailDeliveryFailed",
    "MailIgnored",
    "MailLoop",
    "MailRefused",
    "MailboxUnavailable",
    "VerificationInvalid",
    "WritesBacklogged",
    "MalformedInput",
    "ModelUnavailable",
    "NotFound",
    "PermissionDenied",
    "SenderBlocked",
    "ServerBusy",
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


# Load (issue 9): E870-E879.


class ServerBusy(CalmdeskError):
    """Refused before any work because the server is over capacity (503 with Retry-After)."""

    code = "E870"
    default_message = (
        "calmdesk is serving as many requests as it can; nothing was done. Try again shortly."
    )

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class WritesBacklogged(ServerBusy):
    """A write waited its bounded time for the database's write queue; nothing was saved."""

    code = "E871"
    default_message = (
        "calmdesk's database has more writes queued than it can take now; nothing was saved. "
        "Try again shortly."
    )


# Knowledge base and bot (issue 14): E900-E929.


class ArticleInvalid(InputError):
    """A knowledge-base article cannot be used: broken front matter, too large, markup, encoding."""

    code = "E901"
    default_message = "A knowledge-base article is not valid; fix it and import the folder again."


class KnowledgeBaseUnreadable(InputError):
    """The folder of articles is missing, unreadable, empty or too big."""

    code = "E902"
    default_message = "The knowledge-base folder cannot be read; pass a folder of .md articles."


class ArticleNotFound(NotFound):
    code = "E903"
    default_message = "No knowledge-base article has that id."


class ClusterUnavailable(CalmdeskError):
    code = "E850"
    default_message = (
        "The Dask scheduler could not be reached; check the tcp://HOST:PORT given to --scheduler, "
        "or drop it to run in process."
    )


class ExtraMissing(CalmdeskError):
    code = "E851"
    default_message = (
        "An optional package is not installed; install calmdesk with the `batch` extra "
        "(pip install 'calmdesk[batch]')."
    )


# --- intake: the public chat and contact form, email in and out (E750-E799) -------------------


class MailRefused(InputError):
    code = "E750"
    default_message = "The email message could not be used; it was not stored."


class MailIgnored(MailRefused):
    """An auto-reply, bounce or list message: kept for the record, never a conversation."""

    code = "E751"
    default_message = (
        "The message is an automatic reply, bounce or list mail; no conversation was opened."
    )


class MailLoop(MailRefused):
    code = "E752"
    default_message = "The message is calmdesk's own mail coming back (a mail loop); ignored."


class SenderBlocked(MailRefused):
    code = "E753"
    default_message = "The sender is a blocked customer; the message was refused."


class IntakeLimited(TooManyAttempts):
    code = "E754"
    default_message = "Too many messages in a short time; wait a few minutes and try again."


class HoneypotFilled(InputError):
    code = "E755"
    default_message = "The form was filled in by a program (a hidden field has a value)."


class MailDeliveryFailed(CalmdeskError):
    code = "E756"
    default_message = "The mail relay did not accept the message; it will be retried."


class MailboxUnavailable(CalmdeskError):
    code = "E757"
    default_message = "The mailbox could not be read; check its host, port, TLS, user and password."


class VerificationInvalid(PermissionDenied):
    code = "E758"
    default_message = "The verification link is not valid or has expired; ask for a new one."


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


class InvalidDeskOverride(InputError):
    """Escalation rules or playbook settings that would not load; says why, nothing is stored."""

    code = "E890"
    default_message = "Those settings would not load; nothing was changed."


class SearchQueryEmpty(InputError):
    code = "E806"
    default_message = "Type at least one word, or choose a customer, status, tag or date."
