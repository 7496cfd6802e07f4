"""One Settings class; entry points build it and pass it in; nothing reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_data_dir"]

_REPO_ROOT = Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    """`../shared/data` beside the checkout: the public labelled data (never committed)."""
    return _REPO_ROOT.parent / "shared" / "data"


class Settings(BaseSettings):
    """Every setting, read from `CALMDESK_*` environment variables or a `.env` file."""

    model_config = SettingsConfigDict(env_prefix="CALMDESK_", env_file=".env", extra="ignore")

    # analysis
    data_dir: Path = Field(default_factory=default_data_dir)
    max_text_chars: int = 20_000
    timezone: str = "UTC"
    business_days: str = "Mon,Tue,Wed,Thu,Fri"
    playbook_path: Path | None = None
    knowledge_base_path: Path | None = None

    # optional LLM backend for suggestions (any OpenAI-compatible chat endpoint)
    llm_base_url: str | None = None
    llm_model: str = "default"
    llm_api_key: str | None = None
    llm_timeout_s: float = 8.0

    # storage and jobs
    database_url: str = "sqlite:///var/calmdesk.db"
    huey_backend: str = "sqlite"  # sqlite | redis | memory
    huey_path: Path = Path("var/jobs.db")
    redis_url: str | None = None
    escalation_rules_path: Path | None = None
    desk_defaults_path: Path | None = None  # routing, business hours, SLA defaults (docs/desk.md)

    # web
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = "change-me-in-production-this-is-only-for-local-demo"
    session_max_age_s: int = 8 * 3600
    max_body_bytes: int = 1_000_000

    # intake: the public chat, contact page and widget, email in and out (docs/intake.md)
    public_default_team: str | None = None  # team name; None: the first team
    widget_allowed_origins: str = ""  # space-separated origins allowed to frame the widget
    public_per_ip_per_hour: int = 10  # new conversations from one address
    smtp_url: str | None = None  # smtp://user:pass@host:587 (STARTTLS) or smtps://host:465
    smtp_timeout_s: float = 20.0
    smtp_max_attempts: int = 5
    smtp_retry_base_s: float = 30.0  # the n-th retry waits base * 2**(n-1) seconds
    mail_from: str = "calmdesk <support@localhost>"
    mail_from_teams: dict[str, str] = Field(default_factory=dict)  # team name -> From address
    mailboxes: list[dict[str, Any]] = Field(default_factory=list)  # IMAP: see docs/intake.md
    mail_poll_s: int = 60
    mail_max_bytes: int = 30_000_000
    mail_keep_raw: Literal["redacted", "none"] = "redacted"  # the raw .eml kept: docs/privacy.md
    attachments_dir: Path = Path("var/attachments")
    attachment_max_bytes: int = 10_000_000
    # "text": attachments that are not text (images, PDFs: calmdesk cannot redact them) are not
    # kept, neither in the attachment store nor in the raw message; "all": kept as received
    mail_keep_attachments: Literal["all", "text"] = "all"
    verify_max_age_s: int = 3 * 24 * 3600
    # trust (issue 9): privacy, sessions, tokens, limits, several processes
    privacy_mask_contacts: bool = False  # for records of no team (imports, customer notes)
    privacy_phone_region: str = "US"  # region for phone numbers written without +country code
    public_base_url: str = "http://127.0.0.1:8000"  # chat links are built from this, never Host
    chat_token_ttl_s: int = 30 * 24 * 3600
    trusted_proxies: str = ""  # comma-separated addresses/CIDRs whose X-Forwarded-For is believed
    rate_limit_store: str = "database"  # database | redis (needs redis_url) | memory
    rate_chat_per_min: int = 30  # turns one chat token may post a minute
    rate_ip_per_min: int = 600  # requests one client address may make a minute (API tokens exempt)
    rate_user_per_s: int = 1000  # requests one staff member or integration token may make a second
    rate_route_per_s: int = 2000  # requests to one route a second, all callers together
    login_free_failures: int = 3  # failures per account+address before delays start
    login_max_delay_s: int = 900  # longest delay the login throttle asks for
    login_per_address: int = 100  # failures from one address in 15 minutes, all accounts
    live_backend: str = "memory"  # memory (one process) | postgres (LISTEN/NOTIFY) | redis
    # speed under load (issue 9): see docs/deploy.md
    sqlite_synchronous: str = "normal"  # normal (WAL: survives a killed process) | full (power cut)
    db_pool_size: int = 40  # database connections per server process
    sqlite_write_wait_s: float = 30.0  # longest a write queues for a SQLite file's write gate
    max_in_flight: int = 256  # HTTP requests one process takes at once; more get 503 at once
    web_threads: int = 0  # threads serving requests per process; 0: anyio's default (40)
    analysis_process: bool = True  # live analyses read by a second process (2+ cores)
    freeze_heap: bool = True  # the startup heap kept out of full collections (web/heap.py)
