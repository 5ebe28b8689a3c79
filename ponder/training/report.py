"""A `ponder train` run's figures and self-contained report.html, from what the run folder holds:
metrics.jsonl (one row per step), rollouts.jsonl (every sampled chain, with the monitor's flags) and,
when `scripts/evaluate_rl.py` has written it, evaluation.json (held-out accuracy before and after)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from ponder.errors import PonderError
from ponder.html_page import embedded_image, page
from ponder.jsonl import json_objects
from ponder.monitor.rules import BEHAVIOURS


def smooth(values: list[float], window: int = 10) -> np.ndarray:
    """The trailing mean over `window` steps (fewer at the start)."""
    array = np.asarray(values, dtype=float)
    cumulative = np.cumsum(np.insert(array, 0, 0.0))
    counts = np.minimum(np.arange(1, len(array) + 1), window)
    return (cumulative[1:] - cumulative[np.maximum(0, np.arange(1, len(array) + 1) - window)]) / counts


def training_figure(rows: list[dict[str, Any]], path: Path) -> Path:
    """Reward and accuracy, thinking length (mean and the 10-90% band), KL and the monitor's flag rates over steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] + 1 for r in rows]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8), dpi=110)
    axes[0].plot(steps, [r["accuracy"] for r in rows], color="tab:blue", alpha=0.3)
    axes[0].plot(steps, smooth([r["accuracy"] for r in rows]), color="tab:blue", label="accuracy (10-step mean)")
    axes[0].plot(steps, smooth([r["reward"] for r in rows]), color="tab:orange", linestyle="--", label="reward")
    axes[0].set(title="training rollouts", xlabel="step", ylim=(0, 1))
    axes[0].legend(fontsize=8)
    lengths = [np.asarray(r.get("thinking_tokens") or [r["mean_thinking_tokens"]]) for r in rows]
    axes[1].fill_between(steps, [np.percentile(x, 10) for x in lengths], [np.percentile(x, 90) for x in lengths], alpha=0.25, color="tab:green")
    axes[1].plot(steps, [r["mean_thinking_tokens"] for r in rows], color="tab:green", label="mean (10-90% band)")
    axes[1].set(title="thinking tokens per chain", xlabel="step")
    axes[1].legend(fontsize=8)
    axes[2].plot(steps, [r["kl"] for r in rows], color="tab:red")
    axes[2].set(title="KL to the starting model (per token)", xlabel="step")
    for name in BEHAVIOURS:
        rates = [(r.get("flags") or {}).get(name, 0) / max(1, len(r.get("thinking_tokens") or [1])) for r in rows]
        if any(rates):
            axes[3].plot(steps, smooth(rates), label=name)
    axes[3].set(title="monitor flags (share of chains, 10-step mean)", xlabel="step", ylim=(0, 1))
    axes[3].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def flagged_examples(rollouts_path: Path, per_flag: int = 2) -> list[dict[str, Any]]:
    """Up to `per_flag` chains per behaviour, the latest steps first."""
    if not rollouts_path.is_file():
        return []
    chosen: dict[str, list[dict[str, Any]]] = {name: [] for name in BEHAVIOURS}
    records = [record for _, record in json_objects(rollouts_path, PonderError, "rollouts ", skip_malformed=True)]
    for record in reversed(records):
        for name in record.get("flags") or ():
            if name in chosen and len(chosen[name]) < per_flag:
                chosen[name].append({**record, "flag": name})
        if all(len(v) >= per_flag for v in chosen.values()):
            break
    return [example for examples in chosen.values() for example in examples]


def write_report(root: Path) -> Path:
    """root/training.png and root/report.html; returns the report's path."""
    from ponder.training.rl import read_metrics

    rows = read_metrics(root / "metrics.jsonl")
    config = json.loads((root / "config.json").read_text()) if (root / "config.json").is_file() else {}
    parts = [f"<h1>ponder train: {html.escape(str(config.get('model', '?')))} on {html.escape(str(config.get('task', '?')))}</h1>"]
    parts.append("<p>GRPO with outcome-only rewards from the task's grader"
                 + (f" plus a format reward of {config['format_reward']}" if config.get("format_reward") else "")
                 + ". The monitor's flags are reported here and never enter the reward.</p>")
    parts.append(_table(["setting", "value"], [[k, v] for k, v in config.items()]))
    if rows:
        figure = training_figure(rows, root / "training.png")
        parts.append(embedded_image(figure, "training curves"))
        first, last = rows[: min(10, len(rows))], rows[-min(10, len(rows)):]
        mean = lambda rs, key: sum(r[key] for r in rs) / len(rs)  # noqa: E731
        parts.append("<h2>Training</h2>" + _table(
            ["", "steps", "accuracy", "reward", "thinking tokens", "KL", "flagged chains"],
            [[label, f"{rs[0]['step'] + 1}-{rs[-1]['step'] + 1}", f"{mean(rs, 'accuracy'):.3f}", f"{mean(rs, 'reward'):.3f}",
              f"{mean(rs, 'mean_thinking_tokens'):.0f}", f"{mean(rs, 'kl'):.4f}",
              f"{mean(rs, 'flagged'):.3f}" if all(r.get('flagged') is not None for r in rs) else "off"]
             for label, rs in (("first 10 steps", first), ("last 10 steps", last))]))
        parts.append(f"<p>{len(rows)} steps, {sum(r['seconds'] for r in rows):.0f} s of training, "
                     f"{rows[-1]['train_flops']:.3g} FLOPs (sampling 2N, training 6N, reference 2N per token).</p>")
    evaluation = root / "evaluation.json"
    if evaluation.is_file():
        parts.append(evaluation_section(json.loads(evaluation.read_text())))
    exchange = root / "exchange.json"
    if exchange.is_file():
        parts.append(exchange_section(json.loads(exchange.read_text()), root / "exchange_rate.png"))
    examples = flagged_examples(root / "rollouts.jsonl")
    if examples:
        parts.append("<h2>Flagged chains (examples)</h2>")
        for example in examples:
            thought = example["thought"] if len(example["thought"]) < 1200 else example["thought"][:1200] + "\n…"
            parts.append(f"<p><b>{html.escape(example['flag'])}</b> at step {example['step'] + 1}, {html.escape(example['prompt'])}: "
                         f"answer <code>{html.escape(example['answer'])}</code> ({'right' if example['correct'] else 'wrong'})</p>"
                         f"<pre>{html.escape(thought)}</pre>")
    report = root / "report.html"
    report.write_text(page("ponder train report", "\n".join(parts)))
    return report


def evaluation_section(evaluation: dict[str, Any]) -> str:
    """Held-out accuracy per checkpoint (as `scripts/evaluate_rl.py` writes it)."""
    rows = [[e["checkpoint"], e["problems"], *[f"{p['accuracy']:.3f} ({p['low']:.3f}-{p['high']:.3f})" for p in e["points"]]]
            for e in evaluation.get("checkpoints", [])]
    header = ["checkpoint", "problems", *evaluation.get("columns", [])]
    return f"<h2>Held-out evaluation ({html.escape(str(evaluation.get('task', '')))})</h2>" + _table(header, rows)


def exchange_section(exchange: dict[str, Any], figure: Path) -> str:
    """The train-vs-test exchange rate (as `scripts/exchange_rate.py` writes it)."""
    rows = []
    for key, label in (("rl_compute", "RL train compute (RL checkpoints)"), ("total_compute", "total train compute (with pre-training)")):
        fit = exchange.get(key) or {}
        multiple, (low, high) = fit.get("test_multiple_per_10x_train"), fit.get("test_multiple_ci95") or (None, None)
        rows.append([label, "no fit" if multiple is None else f"{multiple:.2f}x", "" if low is None else f"{low:.2f}-{high:.2f}"])
    body = "<h2>Train-vs-test compute exchange rate</h2><p>How many times less test compute reaches the same held-out accuracy after one 10x of train compute.</p>"
    body += _table(["fit over", "test compute replaced per 10x train", "95% CI"], rows)
    return body + (embedded_image(figure, "exchange rate") if figure.is_file() else "")
