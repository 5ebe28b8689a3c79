"""The train-vs-test compute exchange rate of a `ponder train` run (`ponder.training.exchange`).

    python scripts/evaluate_rl.py --run runs/rl/main          # first: the chains of every checkpoint
    python scripts/exchange_rate.py --run runs/rl/main [--figure docs/rl_exchange_rate.png]

Train compute per checkpoint: RL FLOPs from metrics.jsonl (sampling 2N + training 6N + reference 2N per
token), and, for the "total" fit, plus ponder-think's pre-training (6N x its tokens seen, from its
training.json). Test compute: k sampled chains (k = 1, 2, 4, 8) x thinking caps 64 ... 1,024, in FLOPs
per problem. Two fits: over the RL checkpoints alone (RL compute, 1x to 8x) and over every checkpoint
including the starting model (total train compute). Writes RUN/exchange.json and RUN/exchange_rate.png
(and --figure); re-running `ponder train` with the run's command re-renders its report with them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ponder.embedded.think import MODEL_DIR
from ponder.training.exchange import CheckpointChains, exchange_rate, frontier, grid

KS = (1, 2, 4, 8)
CAPS = (64, 128, 256, 512, 1024)
LEVELS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--figure", type=Path)
    parser.add_argument("--resamples", type=int, default=300)
    args = parser.parse_args()
    evaluation = json.loads((args.run / "evaluation.json").read_text())
    store = np.load(args.run / "chains.npz")
    metrics = [json.loads(line) for line in (args.run / "metrics.jsonl").read_text().splitlines()]
    flops_after = {row["step"] + 1: row["train_flops"] for row in metrics}
    card = json.loads((MODEL_DIR / "training.json").read_text())
    parameters = card["parameters"]
    pretraining = 6.0 * parameters * card["tokens_seen"]
    checkpoints = []
    for entry in evaluation["checkpoints"]:
        name = entry["checkpoint"]
        if f"{name}/right" not in store:
            continue
        step = 0 if name == "start" else int(name.split("-")[1]) if name.startswith("step-") else max(flops_after)
        rl = flops_after.get(step, 0.0)
        checkpoints.append((name, step, rl, CheckpointChains(name, rl, store[f"{name}/thinking"], store[f"{name}/right"].astype(bool))))
    checkpoints.sort(key=lambda c: c[1])
    rl_only = [c[3] for c in checkpoints if c[1] > 0]
    total = [CheckpointChains(c[0], pretraining + c[2], c[3].thinking, c[3].right) for c in checkpoints]
    result = {"parameters": parameters, "pretraining_flops": pretraining, "levels": LEVELS, "ks": KS, "caps": CAPS,
              "checkpoints": [{"name": c[0], "step": c[1], "rl_flops": c[2], "total_flops": pretraining + c[2]} for c in checkpoints],
              "rl_compute": exchange_rate(rl_only, LEVELS, KS, CAPS, parameters, resamples=args.resamples),
              "total_compute": exchange_rate(total, LEVELS, KS, CAPS, parameters, resamples=args.resamples)}
    (args.run / "exchange.json").write_text(json.dumps(result, indent=2) + "\n")
    for label in ("rl_compute", "total_compute"):
        fit = result[label]
        if fit["slope"] is None:
            print(f"{label}: no fit (no accuracy level reached by two checkpoints)")
            continue
        low, high = fit["test_multiple_ci95"]
        print(f"{label}: one 10x of train compute replaces {fit['test_multiple_per_10x_train']:.2f}x of test compute "
              f"(95% CI {low:.2f}-{high:.2f}; slope {fit['slope']:.3f}, {fit['resamples']} resamples)")
    figure(checkpoints, result, parameters, args.run / "exchange_rate.png")  # the run's report embeds it
    if args.figure:
        figure(checkpoints, result, parameters, args.figure)


def figure(checkpoints, result, parameters: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), dpi=120)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(checkpoints)))
    for (name, step, _, chains), color in zip(checkpoints, colors):
        compute, accuracy = frontier(grid(chains, KS, CAPS, parameters))
        left.plot(compute, accuracy, marker="o", markersize=3, color=color, label=f"{name} (RL step {step})")
    left.set(xscale="log", xlabel="test compute per problem (FLOPs): k chains x thinking cap", ylabel="accuracy (best within that compute)")
    left.set_title("countdown-reachable (held out): accuracy vs test compute, per checkpoint", fontsize=10)
    left.legend(fontsize=8)
    fit = result["rl_compute"]
    level_colors = plt.cm.plasma(np.linspace(0, 0.85, len(LEVELS)))
    for (level, points), color in zip(fit["iso"].items(), level_colors):
        if len(points) < 2:
            continue
        x, y = np.array([p[0] for p in points]), np.array([p[1] for p in points])
        right.plot(x, y, marker="o", color=color, label=f"accuracy {float(level):.0%}")
        if fit["slope"] is not None:
            centre_x, centre_y = np.log10(x).mean(), np.log10(y).mean()
            line = 10 ** (centre_y - fit["slope"] * (np.log10(x) - centre_x))
            right.plot(x, line, linestyle=":", color=color)
    multiple = fit["test_multiple_per_10x_train"]
    low, high = fit["test_multiple_ci95"]
    title = ("iso-accuracy: least test compute vs RL train compute\n"
             + (f"10x train replaces {multiple:.2f}x test (95% CI {low:.2f}-{high:.2f}); dotted: shared-slope fit" if multiple else "no fit"))
    right.set(xscale="log", yscale="log", xlabel="RL train compute (FLOPs)", ylabel="test compute per problem (FLOPs)")
    right.set_title(title, fontsize=10)
    right.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
