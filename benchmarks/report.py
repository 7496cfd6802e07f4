"""The markdown summary of `benchmarks/results/*.json`."""

from __future__ import annotations

import json
from typing import Any

BASELINES = ("vader", "textblob", "profanity-check", "keyword-rules")
TARGETS = {
    "tweeteval-emotion": ">= 80",
    "tweeteval-offensive": ">= 81",
}


def _accuracy(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Accuracy on dev data (percent)",
        "",
        "calmdesk = `calmdesk eval TASK`; baselines mapped to each task by a logistic regression "
        "over their scores, fitted on the same training split.",
        "",
        "| task | metric | calmdesk | VADER | TextBlob | profanity-check | keyword rules | target "
        "| published |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result.get("tasks", []):
        metric = row["metric"]
        ours = row["calmdesk"]
        extra = "; ".join(f"{k} {v}" for k, v in ours.items() if k != metric)
        cells = [
            row["task"],
            metric,
            f"**{ours.get(metric, '-')}**" + (f" ({extra})" if extra else ""),
        ]
        cells += [str(row.get(b, {}).get(metric, "-")) for b in BASELINES]
        cells += [TARGETS.get(row["task"], "above VADER"), row.get("published", "")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _speed(result: dict[str, Any]) -> list[str]:
    lat, thr = result.get("latency", {}), result.get("throughput", {})
    turn, alone = lat.get("turn_in_context", {}), lat.get("encoder_and_heads", {})
    cold = result.get("cold_start", {})
    rows = [
        ("one customer turn with 5 turns of context, p50 / p99 (ms)",
         f"{turn.get('p50_ms')} / {turn.get('p99_ms')}", "p99 <= 20"),
        ("encoder + heads on one text, p50 / p99 (ms)",
         f"{alone.get('p50_ms')} / {alone.get('p99_ms')}", ""),
        ("batch, full pipeline (turns/s)", thr.get("pipeline_turns_per_s"), ">= 1,000"),
        ("batch, one process (turns/s; per CPU second)",
         f"{thr.get('one_process_turns_per_s')}; {thr.get('one_process_turns_per_cpu_s')}", ""),
        ("batch, two processes: starting the helper / helper loaded (turns/s)",
         f"{thr.get('two_processes_first_turns_per_s')} / "
         f"{thr.get('two_processes_warm_turns_per_s')}", ">= 1,000"),
        ("batch, encoder + heads only (turns/s)", thr.get("models_turns_per_s"), ""),
        ("peak memory of the measuring process (MB)", result.get("peak_rss_mb"), ""),
        ("cold start: import + first answer, median (s)", cold.get("median_s"), "<= 2"),
    ]  # fmt: skip
    long = result.get("long_run", {})
    many, cli = long.get("analyze_many", {}), long.get("cli", {})
    if many or cli:
        rows += [
            ("long run: 12,000 turns, one `analyze_many` call, first / second call (turns/s; "
             "processes by default)",
             f"{many.get('first_call_turns_per_s')} / {many.get('second_call_turns_per_s')}; "
             f"{many.get('first_call_processes_by_default')} / "
             f"{many.get('second_call_processes_by_default')}", ">= 1,000"),
            ("long run: 12,000 turns, `calmdesk analyze --format json`, no progress bar / "
             "progress bar (turns/s; wall s; processes by default)",
             f"{cli.get('no_progress_turns_per_s')} / {cli.get('progress_turns_per_s')}; "
             f"{cli.get('no_progress_wall_s')} / {cli.get('progress_wall_s')}; "
             f"{cli.get('processes_by_default')}", ">= 1,000"),
        ]  # fmt: skip
    lines = [
        "## Speed and memory",
        "",
        f"{result.get('cpu_count')} CPU cores, processes by default "
        f"{result.get('processes_by_default')}; "
        f"load average (1, 5, 15 min) before {result.get('load_average_before')}, "
        f"after {result.get('load_average_after')} (other work shared the machine).",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    return lines + [f"| {a} | {b} | {c} |" for a, b, c in rows]


_CUSTOMER_BASELINES = ("vader", "profanity-check", "keyword-rules")


def _customer(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Customer reading (percent)",
        "",
        "Dev splits of the public sets: calmdesk's packaged heads (BRIGHTER: heads trained for the "
        "task on the customer heads' features); baselines mapped by a logistic regression over "
        "their scores. The project's labelled set: TEST split, each turn read in context by the "
        "pipeline; baselines' raw scores (VADER negativity, profanity-check probability, keyword "
        "rules' negative words).",
        "",
        "| task | metric | calmdesk | VADER | profanity-check | keyword rules | target "
        "| published |",
        "|---|---|---|---|---|---|---|---|",
    ]
    labelled = None
    for row in result.get("tasks", []):
        if row["task"] == "labelled":
            labelled = row
            continue
        metric = row["metric"]
        ours = row.get("calmdesk", {})
        extra = "; ".join(f"{k} {v}" for k, v in ours.items() if k != metric)
        cells = [
            row["task"],
            metric,
            f"**{ours.get(metric, '-')}**" + (f" ({extra})" if extra else ""),
        ]
        cells += [str(row.get(b, {}).get(metric, "-")) for b in _CUSTOMER_BASELINES]
        cells += [row.get("target", ""), row.get("published", "")]
        lines.append("| " + " | ".join(cells) + " |")
    if labelled is not None:
        lines += ["", "### Labelled customer messages, test split: ROC AUC (target >= 90)", ""]
        ours = labelled.get("calmdesk")
        if not ours:
            lines.append(labelled.get("notes", "not measured"))
            return lines
        lines += [
            f"{ours['n']} messages. Cause macro-F1 {ours.get('cause_macro_f1')} (accuracy "
            f"{ours.get('cause_accuracy')}); emotion macro-F1 {ours.get('emotion_macro_f1')} "
            f"(accuracy {ours.get('emotion_accuracy')}); upset AUC English "
            f"{ours.get('upset_roc_auc_english')}, other supported languages "
            f"{ours.get('upset_roc_auc_other_supported')}; unsupported languages flagged "
            f"{ours.get('unsupported_flagged', '-')}.",
            "",
            "| signal | calmdesk | VADER | profanity-check | keyword rules |",
            "|---|---|---|---|---|",
        ]
        for signal, auc in ours["roc_auc"].items():
            base = ours["baselines_roc_auc"].get(signal, {})
            cells = [signal, f"**{auc}**", *(str(base.get(b)) for b in _CUSTOMER_BASELINES)]
            lines.append("| " + " | ".join(cells) + " |")
        calm = ours.get("calm")
        if calm:
            lines += [
                "",
                f"Calm messages (customer_calm.jsonl), test split, {calm['n']}: read as upset "
                f"{calm['read_upset_pct']}% (English {calm.get('read_upset_pct_english')}%, "
                f"other languages {calm.get('read_upset_pct_other')}%), angry "
                f"{calm['read_anger_pct']}%, abusive {calm['read_abuse_pct']}%, sarcastic "
                f"{calm['read_sarcasm_pct']}%; VADER reads "
                f"{calm['baselines_read_upset_pct'].get('vader_negative')}% as negative.",
            ]
        tone = ours.get("tone")
        if tone:
            base = tone["baselines_anger_roc_auc"]
            lines += [
                "",
                f"Angry and frustrated customers (customer_tone.jsonl), test split, {tone['n']}: "
                f"ROC AUC anger {tone['anger_roc_auc']} (among the "
                f"{tone['n_angry_or_frustrated']} angry or frustrated turns "
                f"{tone['anger_vs_frustration_roc_auc']}), upset {tone['upset_roc_auc']}; anger "
                f"by VADER {base.get('vader')}, profanity-check {base.get('profanity-check')}, "
                f"keyword rules {base.get('keyword-rules')}.",
            ]
    return lines


def _replies(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Reply signals on the labelled test split (ROC AUC)",
        "",
        f"{result.get('test_rows')} test replies; heads trained on {result.get('dev_rows')} dev "
        "replies. calmdesk = the score the review reports (learned heads with the lexicon); "
        "learned = the heads alone; lexicon = the rules alone (before the heads).",
        "",
        "| signal | positives | calmdesk | learned | lexicon | baseline | dev (CV) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result.get("signals", []):
        baseline = (
            f"regex {row['regex']}" if "regex" in row else
            f"'?' {row['qmark']}" if "qmark" in row else "-"
        )  # fmt: skip
        met = ">= 0.90 (met)" if row.get("met") else ">= 0.90 (**not met**)"
        cells = [row["signal"], str(row["positives"]), f"**{row['calmdesk']}**"]
        cells += [str(row["learned"]), str(row["lexicon"]), baseline, str(row["dev_cv"]), met]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _generic(name: str, result: dict[str, Any]) -> list[str]:
    lines = [f"## {name}", "", "| key | value |", "|---|---|"]
    for key, value in result.items():
        if key != "_meta":
            text = json.dumps(value) if not isinstance(value, str) else value
            lines.append(f"| {key} | {text[:200].replace('|', '/')} |")
    return lines


def render(results: dict[str, dict[str, Any]]) -> str:
    """The README of the results folder: one section per bench."""
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand.",
        "",
    ]
    for name, result in results.items():
        when = result.get("_meta", {}).get("when", "?")
        if "error" in result:
            out += [f"## {name}", "", f"failed ({when}):", "", "```", result["error"], "```"]
        elif name == "accuracy":
            out += _accuracy(result)
        elif name == "speed":
            out += _speed(result)
        elif name == "replies":
            out += _replies(result)
        elif name == "customer":
            out += _customer(result)
        else:
            out += _generic(name, result)
        out += ["", f"_measured {when}_", ""]
    return "\n".join(out)
