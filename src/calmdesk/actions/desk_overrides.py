"""Escalation rules and playbook settings an admin changes from the console or the API.

The files stay the defaults (the packaged `defaults/escalation_rules.yaml` and
`defaults/playbook.yaml`, or the paths in the settings); an admin saves an override for the whole
desk or for one team, as YAML text in `desk_overrides`. A text is parsed and validated exactly as
the files are before anything is stored: a broken rule or policy never loads, and the refusal
(E890) says why. Every save and reset is audited with the text before and after (settings, not
customer text, so the audit row keeps the text itself).

Reads take effect without a restart: `rules_for` and `playbook_for` look up the override's
revision (one small query) and parse a text only when its revision changed. Precedence: the
team's override, then the desk's, then the file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import yaml
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.rules import RuleSet, parse_rules
from calmdesk.analysis.reply.playbook import Playbook, parse_playbook
from calmdesk.config import Settings
from calmdesk.domain.errors import ConfigError, InvalidDeskOverride, NotFound
from calmdesk.storage.desk_admin import DeskOverride
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import Team

__all__ = [
    "KINDS",
    "Effective",
    "clear_override",
    "effective_text",
    "parse_override",
    "playbook_for",
    "rules_for",
    "save_override",
]

Kind = Literal["escalation_rules", "playbook"]
KINDS: tuple[Kind, ...] = ("escalation_rules", "playbook")
MAX_BYTES = 512_000
_WORDS = {"escalation_rules": "escalation rules", "playbook": "playbook settings"}


@dataclass(frozen=True, slots=True)
class Effective:
    """The text that applies to a scope and where it comes from."""

    kind: str
    team_id: int | None
    text: str
    source: str  # "team", "desk" or "file"
    revision: int = 0


def _scope(team_id: int | None) -> str:
    return "desk" if team_id is None else f"team:{team_id}"


def _check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise InvalidDeskOverride(f"Unknown settings {kind!r}; use one of: {', '.join(KINDS)}.")
    return kind


def parse_override(kind: str, text: object) -> RuleSet | Playbook:
    """Parse a text as the files are parsed; InvalidDeskOverride says what is wrong."""
    chosen = _check_kind(kind)
    what = _WORDS[chosen]
    if not isinstance(text, str) or not text.strip():
        raise InvalidDeskOverride(f"The {what} are empty; paste or edit the YAML.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InvalidDeskOverride(f"The {what} are larger than {MAX_BYTES:,} bytes.")
    if "\x00" in text:
        raise InvalidDeskOverride(f"The {what} contain a NUL character; send plain text.")
    try:
        if chosen == "escalation_rules":
            return parse_rules(text, "the escalation rules")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(f"the playbook is not valid YAML: {first}") from exc
        return parse_playbook(data)
    except ConfigError as err:
        raise InvalidDeskOverride(f"Not saved: {err.message}") from None
    except (TypeError, ValueError, AttributeError) as err:
        raise InvalidDeskOverride(f"Not saved: the {what} do not have the expected shape "
                                  f"({err}).") from None  # fmt: skip


def _row(
    session: Session, kind: str, team_id: int | None, lock: bool = False
) -> DeskOverride | None:
    query = select(DeskOverride).where(
        DeskOverride.kind == kind, DeskOverride.scope == _scope(team_id)
    )
    return session.scalars(query.with_for_update() if lock else query).first()


def save_override(
    ctx: ActionContext, actor: Actor, kind: str, team_id: int | None, text: str
) -> DeskOverride:
    """Store `text` as the desk's (team_id None) or a team's rules or playbook (admins only)."""
    actor.require_role(UserRole.ADMIN)
    parse_override(kind, text)
    with ctx.sessions.begin() as session:
        if team_id is not None and session.get(Team, team_id) is None:
            raise NotFound(f"There is no team {team_id}.")
        row = _row(session, kind, team_id, lock=True)
        before = snapshot(row, "kind", "scope", "text", "revision", keep_text=True)
        if row is None:
            row = DeskOverride(kind=kind, scope=_scope(team_id), team_id=team_id, revision=0)
            session.add(row)
        row.text, row.revision = text, (row.revision or 0) + 1
        row.updated_by_id, row.updated_at = actor.user_id, ctx.now()
        session.flush()
        after = snapshot(row, "kind", "scope", "text", "revision", keep_text=True)
        write_audit(session, actor, f"desk_override.{kind}_saved", row, before, after)
    return row


def clear_override(ctx: ActionContext, actor: Actor, kind: str, team_id: int | None) -> None:
    """Go back to the next level (the desk's override, then the file); audited."""
    actor.require_role(UserRole.ADMIN)
    _check_kind(kind)
    with ctx.sessions.begin() as session:
        row = _row(session, kind, team_id, lock=True)
        if row is None:
            raise NotFound(f"There are no saved {_WORDS[kind]} for that scope to reset.")
        before = snapshot(row, "kind", "scope", "text", "revision", keep_text=True)
        write_audit(session, actor, f"desk_override.{kind}_reset", row, before, None)
        session.delete(row)


def _file_text(kind: Kind, settings: Settings) -> str:
    path: Path | None = (
        settings.escalation_rules_path if kind == "escalation_rules" else settings.playbook_path
    )
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Cannot read {path}: {exc}") from exc
    name = "escalation_rules.yaml" if kind == "escalation_rules" else "playbook.yaml"
    return resources.files("calmdesk.defaults").joinpath(name).read_text("utf-8")


class _Saved(Protocol):
    """What is read of a saved override (a `DeskOverride` or a row of these columns)."""

    @property
    def kind(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def revision(self) -> int: ...
    @property
    def text(self) -> str: ...


def _scopes(team_id: int | None) -> list[str]:
    return ["desk"] if team_id is None else [_scope(team_id), "desk"]


_REFS = select(DeskOverride.kind, DeskOverride.scope, DeskOverride.revision).where(
    DeskOverride.kind == bindparam("kind"),
    DeskOverride.scope.in_(bindparam("scopes", expanding=True)),
)
_TEXT = select(DeskOverride.text).where(
    DeskOverride.kind == bindparam("kind"),
    DeskOverride.scope == bindparam("scope"),
    DeskOverride.revision == bindparam("revision"),
)


def _lookup(session: Session, kind: str, team_id: int | None) -> _Saved | None:
    scopes = _scopes(team_id)
    rows = session.execute(
        select(DeskOverride.kind, DeskOverride.scope, DeskOverride.revision, DeskOverride.text)
        .where(DeskOverride.kind == kind, DeskOverride.scope.in_(scopes))
    ).all()  # fmt: skip
    by_scope = {r.scope: r for r in rows}
    return cast("_Saved | None", next((by_scope[s] for s in scopes if s in by_scope), None))


def _applies(session: Session, kind: str, team_id: int | None) -> Any:
    """The parsed override that applies (None: the file's), reading its text only when this
    process has not parsed that revision yet: a post reads three short columns, not the YAML."""
    scopes = _scopes(team_id)
    rows = session.connection().execute(_REFS, {"kind": kind, "scopes": scopes}).all()
    by_scope = {r.scope: r for r in rows}
    ref = next((by_scope[s] for s in scopes if s in by_scope), None)
    if ref is None:
        return None
    key = (ref.kind, ref.scope, ref.revision)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    text = session.execute(
        _TEXT, {"kind": ref.kind, "scope": ref.scope, "revision": ref.revision}
    ).scalar()
    if text is None:  # saved again meanwhile: read the newest with its text
        row = _lookup(session, kind, team_id)
        return None if row is None else _parsed(row)
    return _parsed_text(key, text)


def effective_text(
    session: Session, settings: Settings, kind: str, team_id: int | None
) -> Effective:
    """The text that applies to a team (or the desk) now, for the admin screens and the API."""
    chosen = _check_kind(kind)
    row = _lookup(session, chosen, team_id)
    if row is None:
        return Effective(chosen, team_id, _file_text(chosen, settings), "file")
    source = "desk" if row.scope == "desk" else "team"
    return Effective(chosen, team_id, row.text, source, row.revision)


_cache: dict[tuple[str, str, int], Any] = {}
_lock = threading.Lock()


def _parsed(row: _Saved) -> Any:
    return _parsed_text((row.kind, row.scope, row.revision), row.text)


def _parsed_text(key: tuple[str, str, int], text: str) -> Any:
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = parse_override(key[0], text)
        with _lock:
            for old in [k for k in _cache if k[:2] == key[:2]]:
                del _cache[old]
            _cache[key] = found
    return found


def rules_for(session: Session, ctx: ActionContext, team_id: int | None) -> RuleSet:
    """The escalation rules for a conversation of `team_id`: its team's, the desk's, the file's."""
    found = _applies(session, "escalation_rules", team_id)
    if found is None:
        return ctx.rules
    assert isinstance(found, RuleSet)
    return found


def playbook_for(session: Session, settings: Settings, team_id: int | None) -> Playbook | None:
    """The playbook override for `team_id` (team, then desk); None: the file applies."""
    found = _applies(session, "playbook", team_id)
    if found is None:
        return None
    assert isinstance(found, Playbook)
    return found
