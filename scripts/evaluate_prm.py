"""How good the learned process verifier is, against the exact one, on problems from generators it never
trained on: the embedded models' own partial solutions (ponder-think's chains on `countdown-reachable`,
ponder-tiny's answers on `arithmetic` held-out problems and on `arithmetic-carries`), each scored by
the learned PRM and labelled by the exact PRM (can the partial solution still be completed correctly;
for a finished one, is it right). Prints AUC, Brier score, expected calibration error and a
reliability table per task; --out writes them as JSON.

    python scripts/evaluate_prm.py --problems 200 --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from ponder.scaling.calibration import auc, calibration
from ponder.tasks import get_task
from ponder.training.recipes.prm_model import countdown_rollouts, multiplication_rollouts
from ponder.embedded.prm import LearnedPRM, encode
from ponder.verifiers.prm import ExactPRM


def partials(task: str, problems: int, seed: int):
    from ponder.embedded.tiny import EmbeddedGenerator
    from ponder.embedded.think import EmbeddedThinkGenerator

    rng = random.Random(seed)
    found = get_task(task).generate(problems, seed)
    if task.startswith("countdown"):
        rollouts = countdown_rollouts(EmbeddedThinkGenerator(threads=2), found, 2, 384, rng)
    else:
        rollouts = multiplication_rollouts(EmbeddedGenerator(threads=2), found, 4, rng)
    unique = {}
    for problem, partial, label in rollouts:
        unique.setdefault((problem.id, partial), (problem, partial, label))
    return list(unique.values())


def evaluate(task: str, problems: int, seed: int, learned: LearnedPRM) -> dict:
    rows = partials(task, problems, seed)
    exact = ExactPRM()
    truth = []
    for problem, partial, _ in rows:
        verdict = exact.judge(problem, partial)
        truth.append(bool(verdict.correct) if partial.finished else verdict.score >= 1.0)
    scores = []
    for start in range(0, len(rows), 256):
        scores += learned.probabilities([encode(p, partial) for p, partial, _ in rows[start : start + 256]])
    mc = [label >= 0.5 for _, _, label in rows]
    bins, ece, brier = calibration(scores, truth)
    return {
        "task": task, "problems": problems, "partial_solutions": len(rows), "exact_positive_share": sum(truth) / len(truth),
        "auc_vs_exact": auc(scores, truth), "auc_vs_rollout_outcome": auc(scores, mc), "brier_vs_exact": brier, "ece_vs_exact": ece,
        "reliability": [vars(b) for b in bins],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    learned = LearnedPRM()
    results = [evaluate(task, args.problems, args.seed, learned) for task in ("countdown-reachable", "arithmetic", "arithmetic-carries")]
    print("| task | partial solutions | exact positives | AUC vs exact | AUC vs rollout outcome | Brier | ECE |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['task']} | {r['partial_solutions']} | {r['exact_positive_share']:.1%} | {r['auc_vs_exact']:.3f} | "
              f"{r['auc_vs_rollout_outcome']:.3f} | {r['brier_vs_exact']:.3f} | {r['ece_vs_exact']:.3f} |")
    for r in results:
        print(f"\n{r['task']}: reliability (score bin: partial solutions, mean score, share the exact PRM accepts)")
        for b in r["reliability"]:
            print(f"  [{b['low']:.1f}, {b['high']:.1f}): {b['count']:5d}, {b['mean_score']:.3f}, {b['positive_share']:.3f}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
