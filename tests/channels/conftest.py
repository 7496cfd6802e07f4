"""Email fixtures: an action context with its own attachments folder, messages built by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.factories import CueAnalyzer, World

from calmdesk.actions import ActionContext
from calmdesk.config import Settings

SECRET = "channels-tests-secret-key-not-for-production"


def mail_settings(tmp_path: Path, db_url: str, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url, secret_key=SECRET, attachments_dir=tmp_path / "files",
        mail_from="Orders team <orders@calm.test>", smtp_retry_base_s=0.0, **extra,
    )  # fmt: skip


@pytest.fixture
def mail_ctx(world: World, tmp_path: Path, db_url: str) -> ActionContext:
    """World's database and clock, email settings of its own, the plain-cue analyzer."""
    return ActionContext(
        world.ctx.sessions, mail_settings(tmp_path, db_url), analyzer=CueAnalyzer(),
        clock=world.ctx.clock,
    )  # fmt: skip
