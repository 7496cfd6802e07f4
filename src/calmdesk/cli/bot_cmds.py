"""`calmdesk kb import|search` and `calmdesk bot ask`: the knowledge base and the FAQ bot."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from calmdesk.cli.common import action_context, coded_errors
from calmdesk.config import Settings
from calmdesk.domain import (
    CalmdeskError,
    Conversation,
    CustomerSignals,
    EmptyInput,
    MalformedInput,
    Role,
    Turn,
)
from calmdesk.domain.errors import KnowledgeBaseUnreadable

if TYPE_CHECKING:  # the bot and the knowledge base are imported by their commands only: every
    # other command (a long `calmdesk analyze` first of all) starts without them
    from calmdesk.analysis.bot import BotReply
    from calmdesk.analysis.kb import Article, KbIndex

__all__ = ["ask", "demo_articles", "kb_import", "kb_search", "register"]

kb_app = typer.Typer(help="The knowledge base: import a folder of articles, search it.",
                     no_args_is_help=True)  # fmt: skip
bot_app = typer.Typer(help="The FAQ bot: answer from the articles or hand over.",
                      no_args_is_help=True)  # fmt: skip
MAX_STDIN_LINE = 1_000_000
MAX_TEXT = 20_000


def demo_articles() -> list[Article]:
    """The demo shop's articles shipped in `calmdesk/demo/kb/`."""
    from calmdesk.analysis.kb import read_folder

    folder = resources.files("calmdesk.demo").joinpath("kb")
    return read_folder(Path(str(folder)))


def _abcd(folder: Path) -> list[Article]:
    from calmdesk.analysis.kb import abcd_articles

    try:
        guidelines = json.loads((folder / "guidelines.json").read_text("utf-8"))
        kb = json.loads((folder / "kb.json").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KnowledgeBaseUnreadable(
            f"{folder} must hold ABCD's guidelines.json and kb.json ({exc})."
        ) from exc
    return abcd_articles(guidelines, kb)


def _stored(settings: Settings) -> list[Article] | None:
    """The articles imported into the database, or None when there is none to read."""
    from calmdesk.actions.kb import stored_articles

    try:
        with action_context(settings) as ctx, ctx.sessions() as session:
            return stored_articles(session) or None
    except CalmdeskError:
        return None
    except Exception:  # no database file, a locked one: the packaged articles answer
        return None


def _articles(kb: Path | None, settings: Settings) -> list[Article]:
    if kb is not None:
        from calmdesk.analysis.kb import read_folder

        return read_folder(kb)
    return _stored(settings) or demo_articles()


def kb_import(
    folder: Annotated[Path, typer.Argument(help="Folder of .md articles (or ABCD's data folder).")],
    abcd: Annotated[bool, typer.Option(help="Read ABCD guidelines.json and kb.json.")] = False,
) -> None:
    """Load a folder of articles into the database: all of them, or nothing when one is bad."""
    from calmdesk.analysis.kb import read_folder

    with coded_errors():
        articles = _abcd(folder) if abcd else read_folder(folder)
        settings = Settings()
        from calmdesk.actions import Actor
        from calmdesk.actions.kb import import_articles

        with action_context(settings) as ctx:
            report = import_articles(ctx, Actor.system("cli"), articles, f"import:{folder.name}")
    typer.echo(
        f"{len(articles)} article(s) read: {len(report.created)} new, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged."
    )


def kb_search(
    text: Annotated[str, typer.Argument(help="The question.")],
    kb: Annotated[Path | None, typer.Option(help="Folder of .md articles.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the articles (hybrid BM25 + embeddings) and print the best passages."""
    from calmdesk.analysis.kb import build_index

    with coded_errors():
        question = _text(text)
        index = build_index(_articles(kb, Settings()))
        hits = index.search(question, k=limit)
    rows = [{"id": h.article.id, "title": h.article.title, "score": h.score,
             "passage": h.passage.text} for h in hits]  # fmt: skip
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("No article matches.")
    for row in rows:
        typer.echo(f"{row['score']:.2f}  {row['id']}  {row['title']}\n      {row['passage']}")


def _text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise EmptyInput("The question is empty.")
    if len(text) > MAX_TEXT:
        raise MalformedInput(f"The question is longer than {MAX_TEXT} characters.")
    return text


def _signals(conversation: Conversation, settings: Settings) -> CustomerSignals | None:
    try:
        from calmdesk.analysis.pipeline import analyze_conversation

        analysis = analyze_conversation(conversation, settings)
    except (ImportError, CalmdeskError):
        return None
    for turn in reversed(analysis.turns):
        if isinstance(turn.signals, CustomerSignals):
            return turn.signals
    return None


def _reply(
    conversation: Conversation, index: KbIndex, meta: dict[str, Any], s: Settings
) -> BotReply:
    from calmdesk.analysis.bot import BotSettings, decide
    from calmdesk.analysis.bot.scope import default_scope

    return decide(
        conversation, index, BotSettings(), signals=_signals(conversation, s),
        tier=str(meta.get("tier") or "standard"), blocked=meta.get("blocked") is True,
        scope=default_scope(index), model=_model(s),
    )  # fmt: skip


def _model(settings: Settings) -> Any:
    """The configured OpenAI-compatible endpoint, or None (the extractive answer)."""
    if not settings.llm_base_url:
        return None
    from calmdesk.analysis.llm import OpenAICompatible

    return OpenAICompatible(settings.llm_base_url, settings.llm_model, settings.llm_api_key,
                            settings.llm_timeout_s)  # fmt: skip


def _jsonl(index: KbIndex, settings: Settings) -> None:
    from calmdesk.analysis.wire import conversation_from_json

    for number, line in enumerate(sys.stdin.buffer, start=1):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_STDIN_LINE:
                raise MalformedInput(f"Line {number} is longer than {MAX_STDIN_LINE} bytes.")
            data = json.loads(line.decode("utf-8"))
            conversation = conversation_from_json(data)
            out: dict[str, Any] = _reply(conversation, index, data, settings).contract()
        except (UnicodeDecodeError, json.JSONDecodeError):
            out = {"id": None, "error": f"E103: line {number} is not valid UTF-8 JSON."}
        except CalmdeskError as err:
            cid = data.get("id") if isinstance(locals().get("data"), dict) else None
            out = {"id": cid, "error": str(err)}
        typer.echo(json.dumps(out, ensure_ascii=False))


def ask(
    text: Annotated[str | None, typer.Option(help="The customer's question.")] = None,
    kb: Annotated[Path | None, typer.Option(help="Folder of .md articles.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON object.")] = False,
) -> None:
    """Answer a question as the bot would; without --text, JSON Lines conversations on stdin."""
    from calmdesk.analysis.kb import build_index

    settings = Settings()
    with coded_errors():
        question = _text(text) if text is not None else None
        index = build_index(_articles(kb, settings))
        if question is None:
            if sys.stdin.isatty():
                raise EmptyInput("Pass --text, or JSON Lines conversations on stdin.")
            _jsonl(index, settings)
            return
        conversation = Conversation("ask", (Turn(Role.CUSTOMER, question),))
        reply = _reply(conversation, index, {}, settings)
    if as_json:
        typer.echo(json.dumps(reply.contract(), ensure_ascii=False))
        return
    typer.echo(reply.answer)
    label = "hand-off" if reply.handoff else "answer"
    cited = ", ".join(f"{a['id']} ({a['score']})" for a in reply.articles) or "none"
    typer.echo(f"\n[{label}: {reply.reason}; confidence {reply.confidence:.2f}; articles {cited}]")


def _lookup(session: Any, model: Any, column: Any, value: str, what: str) -> Any:
    from sqlalchemy import select

    from calmdesk.domain import NotFound

    row = session.scalars(select(model).where(column == value)).first()
    if row is None:
        raise NotFound(f"No {what} is called {value!r}.")
    return row


def bot_enable(
    team: Annotated[
        str | None, typer.Option(help="Team name; default: chats without a team.")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Turn the bot off instead.")] = False,
    who: Annotated[str, typer.Option(help="Who answers after a hand-off.")] = "",
    when: Annotated[str, typer.Option(help="Roughly when, e.g. 'within 1 hour'.")] = "",
    threshold: Annotated[float | None, typer.Option(help="Confidence threshold 0-1.")] = None,
) -> None:
    """Turn the bot on (or off) in a team's customer chat, before a person answers."""
    from calmdesk.actions import Actor
    from calmdesk.actions.kb import set_bot_settings
    from calmdesk.storage import Team

    with coded_errors(), action_context(Settings()) as ctx:
        team_id = None
        if team is not None:
            with ctx.sessions() as session:
                team_id = _lookup(session, Team, Team.name, team, "team").id
        set_bot_settings(ctx, Actor.system("cli"), team_id, enabled=not off,
                         handoff_who=who, handoff_when=when, threshold=threshold)  # fmt: skip
    typer.echo(f"The bot is {'off' if off else 'on'} for {team or 'chats without a team'}.")


def kb_editor(username: Annotated[str, typer.Argument(help="The user to make an editor.")]) -> None:
    """Let a user edit knowledge-base articles in the console (a knowledge editor)."""
    from calmdesk.actions import Actor
    from calmdesk.actions.kb import grant_kb_editor
    from calmdesk.storage import User

    with coded_errors(), action_context(Settings()) as ctx:
        with ctx.sessions() as session:
            user_id = _lookup(session, User, User.username, username, "user").id
        grant_kb_editor(ctx, Actor.system("cli"), user_id)
    typer.echo(f"{username} may now edit articles.")


def register(app: typer.Typer) -> None:
    """Add `kb` and `bot` to `app`."""
    kb_app.command("import")(kb_import)
    kb_app.command("search")(kb_search)
    kb_app.command("editor")(kb_editor)
    bot_app.command("ask")(ask)
    bot_app.command("enable")(bot_enable)
    app.add_typer(kb_app, name="kb")
    app.add_typer(bot_app, name="bot")
