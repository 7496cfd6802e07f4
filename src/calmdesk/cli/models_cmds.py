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


_PARTS = ("all", "english", "customer", "offensive", "signals", "replies")


@models_app.command("train")
def train(
    data_dir: DataDir = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write one artefact (default: the packaged files)."),
    ] = None,
    heads: Annotated[
        str,
        typer.Option(
            "--heads",
            help="Which artefact: english (heads.npz), customer (customer_heads.npz), "
            "offensive (refit only the customer offensive head into customer_heads.npz), "
            "signals (customer_signals.npz), replies (reply_heads.npz) or all.",
        ),
    ] = "all",
    labelled: Annotated[
        Path | None,
        typer.Option(
            help="The project's labelled customer set (its dev part trains the cause head)."
        ),
    ] = None,
    replies: Annotated[
        Path | None,
        typer.Option(
            help="The project's labelled agent replies (their dev part trains the reply heads)."
        ),
    ] = None,
    encoder: Annotated[
        bool,
        typer.Option(
            "--encoder",
            help="Fine-tune the smaller sentence encoder instead (needs the `train` extra); "
            "writes the int8 ONNX file (--out), then retrain the heads with --heads all.",
        ),
    ] = False,
    workdir: Annotated[
        Path | None,
        typer.Option(help="--encoder: checkpoints and float32 files (resumed when present)."),
    ] = None,
    max_minutes: Annotated[
        float | None,
        typer.Option(help="--encoder: stop training after this long and export what it has."),
    ] = None,
) -> None:
    """Retrain the heads from the labelled data; same data gives the same files."""
    if encoder:
        _train_encoder(data_dir or Settings().data_dir, out, workdir, max_minutes)
        return
    from calmdesk.analysis.customer.heads import ARTEFACT as CUSTOMER
    from calmdesk.analysis.heads import ARTEFACT
    from calmdesk.training.customer_train import refit_offensive, train_customer_heads
    from calmdesk.training.heads_train import train_heads

    if heads not in _PARTS:
        typer.echo(f"--heads must be one of {', '.join(_PARTS)}; got {heads!r}.", err=True)
        raise typer.Exit(2)
    if out is not None and heads == "all":
        heads = "english"  # --out names one file: the English heads unless --heads says otherwise
    root = data_dir or Settings().data_dir
    try:
        if heads in ("all", "english"):
            target = out or ARTEFACT
            train_heads(root, target)
            typer.echo(
                f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {_sha256(target)})"
            )
        if heads in ("all", "customer"):
            target = out or CUSTOMER
            train_customer_heads(root, target, labelled=labelled)
            typer.echo(
                f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {_sha256(target)})"
            )
        if heads == "offensive":
            target = out or CUSTOMER
            refit_offensive(root, CUSTOMER, target)
            typer.echo(
                f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {_sha256(target)})"
            )
        if heads in ("all", "signals"):
            _train_signals(root, out, labelled)
        if heads in ("all", "replies"):
            _train_replies(root, out, replies)
    except CalmdeskError as err:
        raise _fail(err) from None


def _train_encoder(
    root: Path, out: Path | None, workdir: Path | None, max_minutes: float | None
) -> None:
    from calmdesk.training.finetune import STUDENT_FILE, build_encoder

    if max_minutes is not None and max_minutes <= 0:
        typer.echo("--max-minutes must be above 0.", err=True)
        raise typer.Exit(2)
    seconds = None if max_minutes is None else 60.0 * max_minutes
    try:
        target = build_encoder(
            root, out or STUDENT_FILE, workdir, log=typer.echo, max_seconds=seconds
        )
    except CalmdeskError as err:
        raise _fail(err) from None
    typer.echo(f"sha256 {_sha256(target)}")


def _train_signals(root: Path, out: Path | None, labelled: Path | None) -> None:
    from calmdesk.analysis.customer.model import ARTEFACT as SIGNAL_HEADS
    from calmdesk.training.signals import train_signal_heads

    target = out or SIGNAL_HEADS
    trained = train_signal_heads(labelled, root, target)
    typer.echo(f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {_sha256(target)})")
    figures = ", ".join(f"{k} {v['cv_auc']}" for k, v in trained.meta["heads"].items())
    typer.echo(f"customer signals, dev cross-validated ROC AUC: {figures}")
    joined = ", ".join(f"{k} {v['cv_auc_joined']}" for k, v in trained.meta["heads"].items())
    typer.echo(f"joined with the rules (the reported signals): {joined}")


def _train_replies(root: Path, out: Path | None, replies: Path | None) -> None:
    from calmdesk.analysis.reply.model import ARTEFACT as REPLY_HEADS
    from calmdesk.training.reply_train import LABELLED_REPLIES, train_reply_heads

    target = out or REPLY_HEADS
    trained = train_reply_heads(replies or LABELLED_REPLIES, root, target)
    typer.echo(f"wrote {target} ({target.stat().st_size:,} bytes, sha256 {_sha256(target)})")
    figures = ", ".join(f"{k} {v['cv_auc']}" for k, v in trained.meta["heads"].items())
    typer.echo(f"reply heads, dev cross-validated ROC AUC: {figures}")


@models_app.command("info")
def info() -> None:
    """Show the encoder and heads calmdesk uses, with sizes and checksums."""
    from calmdesk.analysis import encoder, heads

    try:
        loaded = heads.load()
    except CalmdeskError as err:
        raise _fail(err) from None
    from calmdesk.analysis.language import encoder as multilingual

    typer.echo(f"analysis encoder (every head): {multilingual.MODEL_ID} (dim {multilingual.DIM})")
    typer.echo(
        f"bot and knowledge-base encoder: {encoder.MODEL_ID} "
        f"(dim {encoder.DIM}, {encoder.MAX_TOKENS} tokens)"
    )
    typer.echo(f"heads:   {heads.ARTEFACT} ({heads.ARTEFACT.stat().st_size:,} bytes)")
    typer.echo(f"sha256:  {_sha256(heads.ARTEFACT)}")
    f = loaded.featurizer
    typer.echo(f"features: {f.width:,} ({len(f.words):,} word, {len(f.chars):,} char grams)")
    typer.echo("outputs: " + ", ".join(f"{k} {b - a}" for k, (a, b) in loaded.columns.items()))
    from calmdesk.analysis.customer import heads as customer

    try:
        extra = customer.load()
    except CalmdeskError as err:
        raise _fail(err) from None
    typer.echo(f"customer heads: {customer.ARTEFACT} ({customer.ARTEFACT.stat().st_size:,} bytes)")
    typer.echo(f"sha256:  {_sha256(customer.ARTEFACT)}")
    typer.echo("outputs: " + ", ".join(f"{k} {b - a}" for k, (a, b) in extra.columns.items()))
    from calmdesk.analysis.customer import model as signals

    try:
        learned = signals.load()
    except CalmdeskError as err:
        raise _fail(err) from None
    size = signals.ARTEFACT.stat().st_size
    typer.echo(f"customer signals: {signals.ARTEFACT} ({size:,} bytes)")
    typer.echo(f"sha256:  {_sha256(signals.ARTEFACT)}")
    typer.echo("outputs: " + ", ".join(learned.meta.get("signals", [])))


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
