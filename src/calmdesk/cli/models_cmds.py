"""`calmdesk models train|info` and `calmdesk eval TASK`: the analysis heads and their figures."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

import typer

from calmdesk.config import Settings
from calmdesk.domain.errors import CalmdeskError

__all__ = ["register"]

models_app = typer.Typer(help="Train and inspect calmdesk's analysis heads.", no_args_is_help=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder of the labelled data (default: ../shared/data)."),
]


def _fail(err: CalmdeskError) -> typer.Exit:
    typer.echo(str(err), err=True)
    return typer.Exit(2)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@models_app.command("train")
def train(
    data_dir: DataDir = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the heads (default: the packaged file).")
    ] = None,
) -> None:
    """Retrain every head from the labelled data; same data gives the same file."""
    from calmdesk.analysis.heads import ARTEFACT
    from calmdesk.training.heads_train import train_heads

    target = out or ARTEFACT
    try:
        train_heads(data_dir or Settings().data_dir, target)
    except CalmdeskError as err:
        raise _fail(err) from None
    typer.echo(f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {_sha256(target)})")


@models_app.command("info")
def info() -> None:
    """Show the encoder and heads calmdesk uses, with sizes and checksums."""
    from calmdesk.analysis import encoder, heads

    try:
        loaded = heads.load()
    except CalmdeskError as err:
        raise _fail(err) from None
    typer.echo(f"encoder: {encoder.MODEL_ID} (dim {encoder.DIM}, {encoder.MAX_TOKENS} tokens)")
    typer.echo(f"heads:   {heads.ARTEFACT} ({heads.ARTEFACT.stat().st_size:,} bytes)")
    typer.echo(f"sha256:  {_sha256(heads.ARTEFACT)}")
    f = loaded.featurizer
    typer.echo(f"features: {f.width:,} ({len(f.words):,} word, {len(f.chars):,} char grams)")
    typer.echo("outputs: " + ", ".join(f"{k} {b - a}" for k, (a, b) in loaded.columns.items()))


def evaluate(
    task: Annotated[str, typer.Argument(help="tweeteval-emotion, tweeteval-offensive, ...")],
    train: Annotated[Path | None, typer.Option(help="Training file (CSV text,label).")] = None,
    test: Annotated[Path | None, typer.Option(help="Test file (CSV text,label).")] = None,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Train the head for a standard dataset and print its metric on held-out data.

    Tasks: tweeteval-emotion, tweeteval-offensive, goemotions, politeness, complaints,
    banking77, clinc150, cga. Splits are described in docs/models.md.
    """
    from calmdesk.training.evaluate import evaluate as run_eval

    try:
        result = run_eval(task, data_dir or Settings().data_dir, train, test)
    except CalmdeskError as err:
        raise _fail(err) from None
    figures = {k: round(100 * v, 1) for k, v in result.metrics.items()}
    if as_json:
        payload = {"task": task, "metrics": figures, "n_train": result.n_train}
        typer.echo(json.dumps(payload | {"n_test": result.n_test, "notes": result.notes}))
        return
    shown = ", ".join(f"{k} {v:.1f}" for k, v in figures.items())
    typer.echo(f"{task}: {shown} (train {result.n_train:,}, test {result.n_test:,})")
    if result.notes:
        typer.echo(f"  {result.notes}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(models_app, name="models")
    app.command("eval")(evaluate)
