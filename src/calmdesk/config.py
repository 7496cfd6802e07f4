"""One Settings class; entry points build it and pass it in; nothing reads the environment."""

from __future__ import annotations

from pathlib import Path

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
