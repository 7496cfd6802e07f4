"""Load `conversations.yaml` through the actions: users, teams, customers, then every case.

Idempotent: teams, users, customers and conversations that already exist (by name, username or
external id) are left alone, so `calmdesk seed` can run on every `make run`.
Each case is replayed on a clock that starts `ago_hours` before now, a few minutes per turn, so
the demo has history: old promises fall due (the worker marks them broken), recent ones are open.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select

from calmdesk import actions as act
from calmdesk.actions import ActionContext, Actor
from calmdesk.storage import Commitment, Conversation, Customer, FollowUp, Team, User

__all__ = ["DEMO_USERS", "SeedReport", "load_demo", "seed_demo"]

DEMO_USERS = {
    "admin": "calmdesk-admin",
    "supervisor": "calmdesk-supervisor",
    "agent": "calmdesk-agent",
    "agent2": "calmdesk-agent2",
}
"""Demo usernames and passwords (documented in docs/records.md); for local demos only."""

_SEEDER = Actor.system("seed")
_STEP = timedelta(minutes=4)


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.skipped
        target[kind] = target.get(kind, 0) + 1


def load_demo() -> dict[str, Any]:
    """The packaged demo data set."""
    text = resources.files("calmdesk.demo").joinpath("conversations.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        self.at += _STEP
        return self.at


def seed_demo(ctx: ActionContext, data: dict[str, Any] | None = None) -> SeedReport:
    """Create whatever part of the demo set is missing; returns what was created and skipped."""
    data = data or load_demo()
    report = SeedReport()
    teams = {t["name"]: _team(ctx, t, report) for t in data["teams"]}
    users = {u["username"]: _user(ctx, u, teams, report) for u in data["users"]}
    customers = {c["key"]: _customer(ctx, c, report) for c in data["customers"]}
    for case in data["conversations"]:
        created = _case(ctx, case, teams, users, customers)
        report.count("conversations", created)
    _articles(ctx, report)
    return report


def _articles(ctx: ActionContext, report: SeedReport) -> None:
    """The demo shop's help articles (`demo/kb/`), the bot's and the P8 check's knowledge base."""
    from pathlib import Path

    from calmdesk.actions.kb import import_articles
    from calmdesk.analysis.kb import read_folder

    folder = Path(str(resources.files("calmdesk.demo").joinpath("kb")))
    done = import_articles(ctx, _SEEDER, read_folder(folder), "demo")
    for _ in done.created:
        report.count("articles", True)
    for _ in (*done.updated, *done.unchanged):
        report.count("articles", False)


def _existing(ctx: ActionContext, model: Any, column: Any, value: str) -> Any:
    with ctx.sessions() as session:
        return session.scalars(select(model).where(column == value)).first()


def _team(ctx: ActionContext, spec: dict[str, Any], report: SeedReport) -> Team:
    found = _existing(ctx, Team, Team.name, spec["name"])
    report.count("teams", found is None)
    return found or act.create_team(ctx, _SEEDER, spec["name"], spec.get("description", ""))


def _user(
    ctx: ActionContext, spec: dict[str, Any], teams: dict[str, Team], report: SeedReport
) -> User:
    found = _existing(ctx, User, User.username, spec["username"])
    report.count("users", found is None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    return act.create_user(
        ctx,
        _SEEDER,
        username=spec["username"],
        password=DEMO_USERS[spec["username"]],
        role=spec["role"],
        display_name=spec["name"],
        team_id=teams[spec["team"]].id,
        authority_limit=float(spec.get("authority_limit", 50)),
    )


def _customer(ctx: ActionContext, spec: dict[str, Any], report: SeedReport) -> Customer:
    ext = f"demo-customer-{spec['key']}"
    found = _existing(ctx, Customer, Customer.external_id, ext)
    report.count("customers", found is None)
    fields = {k: v for k, v in spec.items() if k not in ("key", "name")}
    return found or act.create_customer(ctx, _SEEDER, name=spec["name"], external_id=ext, **fields)


def _case(
    ctx: ActionContext,
    case: dict[str, Any],
    teams: dict[str, Team],
    users: dict[str, User],
    customers: dict[str, Customer],
) -> bool:
    ext = f"demo-{case['id']}"
    if _existing(ctx, Conversation, Conversation.external_id, ext) is not None:
        return False
    start = ctx.now() - timedelta(hours=float(case.get("ago_hours", 1)))
    local = replace(ctx, clock=_Clock(start))
    agent = users[case.get("agent", "agent")]
    customer = customers[case["customer"]]
    conv = act.open_conversation(
        local,
        Actor.for_user(agent),
        customer_id=customer.id,
        channel=case["channel"],
        subject=case["subject"],
        team_id=teams[case.get("team", "Orders")].id,
        external_id=ext,
        opened_at=start,
    )
    for number, turn in enumerate(case["turns"], 1):
        key = f"{ext}-{number}"
        if "customer" in turn:
            act.add_customer_turn(
                local,
                Actor.for_customer(customer.id),
                conv.id,
                turn["customer"],
                idempotency_key=key,
            )
        else:
            act.send_agent_reply(
                local, Actor.for_user(agent), conv.id, turn["agent"], idempotency_key=key
            )
    for step in case.get("then", []):
        _then(local, conv.id, customer.id, step, users)
    return True


def _then(
    ctx: ActionContext, conv_id: int, customer_id: int, step: dict[str, Any], users: dict[str, User]
) -> None:
    who = Actor.for_user(users[step.get("by", "agent")])
    kind, value = next((k, v) for k, v in step.items() if k != "by")
    if kind == "resolve":
        act.resolve_conversation(ctx, who, conv_id, value)
    elif kind == "escalate":
        act.escalate(ctx, who, conv_id, value)
    elif kind == "note":
        act.add_note(ctx, who, value, conversation_id=conv_id)
    elif kind == "action":
        act.record_action_taken(ctx, who, conv_id, value["kind"], value.get("detail", ""))
    elif kind in ("warn", "block"):
        (act.warn_customer if kind == "warn" else act.block_customer)(ctx, who, customer_id, value)
    elif kind == "keep_promises":
        for promise in _promises(ctx, conv_id):
            act.complete_commitment(ctx, who, promise.id, customer_told=bool(value))
    elif kind == "follow_up_done":
        for follow_up in _follow_ups(ctx, conv_id):
            act.complete_follow_up(ctx, who, follow_up.id, value)
    else:
        raise ValueError(f"unknown demo step {kind!r}")


def _promises(ctx: ActionContext, conv_id: int) -> list[Commitment]:
    with ctx.sessions() as session:
        return list(
            session.scalars(select(Commitment).where(Commitment.conversation_id == conv_id))
        )


def _follow_ups(ctx: ActionContext, conv_id: int) -> list[FollowUp]:
    with ctx.sessions() as session:
        return list(session.scalars(select(FollowUp).where(FollowUp.conversation_id == conv_id)))
