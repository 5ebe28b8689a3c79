"""Held-out evaluation of ponder-think checkpoints before and after `ponder train`, and the chains the
train-vs-test exchange rate is fitted on (`scripts/exchange_rate.py`).

    python scripts/evaluate_rl.py --run runs/rl/main [--problems 150] [--samples 8] [--cap 1024]

For the starting model and every checkpoint of the run (checkpoints/step-N and checkpoint/), on problems
from two generators: `countdown-reachable` (targets uniform over what 4 numbers reach; never used in RL
training nor pre-training) and the `countdown` task's test split (the generator RL trained on):
- one greedy chain at cap L (pass@1), read off at smaller caps: a chain right within t thinking tokens
  is right under any cap >= t; one smaller cap is also run on its own to bound what reading off misses;
- `samples` chains at temperature 1 (pass@k for k = 1, 2, 4, ..., unbiased estimator) on countdown-reachable;
- chain length (mean, percentiles), backtracks and operations per chain, and how far the search departs
  from the pre-training teacher's: agreement of the first operation with the noise-free teacher's, and
  the mean rank (0 = the teacher's first choice, 1 = its last) of each operation among the state's
  operations in the teacher's order.
Writes RUN/evaluation.json (and RUN/chains.npz for the exchange rate); `ponder train` reports include it.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from ponder.embedded.think import MODEL_DIR, EmbeddedThinkGenerator
from ponder.scaling.estimators import bootstrap_ci
from ponder.tasks.countdown import CountdownTask
from ponder.tasks.countdown_reachable import CountdownReachableTask
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.tools.countdown_calculator import POSITIONS, after, apply, think_prompt
from ponder.training.exchange import pass_at_k
from ponder.training.recipes.search_traces import closeness, operations
from ponder.types import SamplingParams

GRADER = CountdownTask()
CAPS = (64, 128, 256, 512, 1024)


def chains(generator, problems, *, cap: int, n: int, temperature: float, seed: int, chunk: int = 64):
    """[(right, thinking tokens, thought, answer)] per problem, n chains each."""
    params = with_thinking(SamplingParams(temperature=temperature, seed=seed), thinking_budget(cap, tools=True))
    result = []
    for start in range(0, len(problems), max(1, chunk // n)):
        batch = problems[start : start + max(1, chunk // n)]
        prompts = [think_prompt(p.data["numbers"], p.data["target"]) for p in batch]
        for problem, completions in zip(batch, generator.think_many(prompts, n, params)):
            result.append([(bool(GRADER.grade(problem, GRADER.extract(c.text))), c.thinking_tokens, c.reasoning or "", c.text) for c in completions])
    return result


def shown_state(line: str, state: tuple[int, ...]) -> tuple[int, ...]:
    """The numbers a line shows after its '|' (the calculator's), or `state` when it shows none."""
    shown = line.split("|", 1)[1].split() if "|" in line else []
    return tuple(int(x) for x in shown) if shown and all(x.isdigit() for x in shown) else state


def teacher_ranks(numbers: list[int], target: int, thought: str) -> tuple[list[float], int, int]:
    """(normalised teacher rank of each operation, operations, backtracks) of one compact thought."""
    state, ranks, ops, backs = tuple(numbers), [], 0, 0
    for line in thought.splitlines():
        if line.startswith("<"):
            backs += 1
            state = shown_state(line, state)
            continue
        if len(line) < 4 or line[3] != "=":
            continue
        ops += 1
        i, j, op = POSITIONS.find(line[0]), POSITIONS.find(line[1]), line[2]
        if 0 <= i < len(state) and 0 <= j < len(state) and len(state) > 2:
            result = apply(state[i], state[j], op)
            children = operations(state)
            if result is not None and len(children) > 1:
                order = sorted(children, key=lambda c: closeness(after(state, c[0], c[1], c[3]), target))
                keys = [tuple(sorted(after(state, c[0], c[1], c[3]))) for c in order]
                key = tuple(sorted(after(state, i, j, result)))
                if key in keys:
                    ranks.append(keys.index(key) / (len(keys) - 1))
        state = shown_state(line, state)
    return ranks, ops, backs


def summary(problems, greedy, sampled, exact_small: dict[int, list[bool]] | None) -> dict:
    rng = np.random.default_rng(0)
    out: dict = {"problems": len(problems)}
    thinking = np.array([g[0][1] for g in greedy])
    right = np.array([g[0][0] for g in greedy])
    for cap in CAPS:
        solved = (right & (thinking <= cap)).astype(float)
        low, high = bootstrap_ci(solved.tolist(), rng)
        out[f"greedy@{cap}"] = {"accuracy": float(solved.mean()), "low": low, "high": high}
    for cap, exact in (exact_small or {}).items():
        solved = np.array(exact, dtype=float)
        low, high = bootstrap_ci(solved.tolist(), rng)
        out[f"greedy@{cap} (run at that cap)"] = {"accuracy": float(solved.mean()), "low": low, "high": high}
    out["greedy_thinking"] = {"mean": float(thinking.mean()), "p10": float(np.percentile(thinking, 10)),
                              "p50": float(np.percentile(thinking, 50)), "p90": float(np.percentile(thinking, 90))}
    if sampled:
        n = len(sampled[0])
        successes = np.array([sum(c[0] for c in s) for s in sampled])
        for k in [2 ** i for i in range(int(math.log2(n)) + 1)]:
            values = pass_at_k(successes, n, k)
            low, high = bootstrap_ci(values.tolist(), rng)
            out[f"pass@{k}"] = {"accuracy": float(values.mean()), "low": low, "high": high}
        lengths = np.array([c[1] for s in sampled for c in s])
        out["sampled_thinking"] = {"mean": float(lengths.mean()), "p10": float(np.percentile(lengths, 10)),
                                   "p50": float(np.percentile(lengths, 50)), "p90": float(np.percentile(lengths, 90))}
    ranks, ops, backs, first = [], [], [], []
    for problem, g in zip(problems, greedy):
        numbers, target = problem.data["numbers"], problem.data["target"]
        r, o, b = teacher_ranks(numbers, target, g[0][2])
        ranks += r
        ops.append(o)
        backs.append(b)
        if r:
            first.append(r[0] == 0.0)
    out["search"] = {"mean_teacher_rank": float(np.mean(ranks)) if ranks else None,
                     "first_op_is_teachers": float(np.mean(first)) if first else None,
                     "operations_per_chain": float(np.mean(ops)), "backtracks_per_chain": float(np.mean(backs))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--problems", type=int, default=150)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--cap", type=int, default=1024)
    parser.add_argument("--exact-cap", type=int, default=256, help="also run greedy at this cap on its own (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", help="comma-separated checkpoint names to evaluate (default: all)")
    args = parser.parse_args()

    reachable = CountdownReachableTask().generate(args.problems, args.seed)
    trained_on = CountdownTask().generate(args.problems, args.seed)
    named = [("start", MODEL_DIR)]
    kept = sorted((args.run / "checkpoints").glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    named += [(p.name, p) for p in kept]
    if (args.run / "checkpoint").is_dir() and not any(p.name == f"step-{json.loads((args.run / 'summary.json').read_text())['steps']}" for p in kept):
        named.append(("final", args.run / "checkpoint"))
    if args.only:
        wanted = set(args.only.split(","))
        named = [(n, p) for n, p in named if n in wanted]
    out_path = args.run / "evaluation.json"
    evaluation = json.loads(out_path.read_text()) if out_path.is_file() else {"checkpoints": []}
    done = {e["checkpoint"] for e in evaluation["checkpoints"]}
    store = dict(np.load(args.run / "chains.npz")) if (args.run / "chains.npz").is_file() else {}
    for name, path in named:
        if name in done:
            continue
        started = time.monotonic()
        generator = EmbeddedThinkGenerator(path)
        greedy = chains(generator, reachable, cap=args.cap, n=1, temperature=0.0, seed=0)
        sampled = chains(generator, reachable, cap=args.cap, n=args.samples, temperature=1.0, seed=1) if args.samples else []
        exact = {}
        if args.exact_cap:
            exact[args.exact_cap] = [g[0][0] for g in chains(generator, reachable, cap=args.exact_cap, n=1, temperature=0.0, seed=0)]
        greedy_trained = chains(generator, trained_on, cap=args.cap, n=1, temperature=0.0, seed=0)
        entry = {"checkpoint": name, "path": str(path), "problems": args.problems,
                 "reachable": summary(reachable, greedy, sampled, exact),
                 "trained_generator": summary(trained_on, greedy_trained, [], None),
                 "seconds": round(time.monotonic() - started, 1)}
        if sampled:
            store[f"{name}/thinking"] = np.array([[c[1] for c in s] for s in sampled])
            store[f"{name}/right"] = np.array([[c[0] for c in s] for s in sampled])
        evaluation["checkpoints"].append(entry)
        evaluation["task"] = f"countdown-reachable (seed {args.seed}) and countdown test split, {args.problems} problems each, cap {args.cap}"
        evaluation["columns"] = ["greedy@1024 reachable", "pass@8 reachable", "greedy@1024 countdown"]
        for e in evaluation["checkpoints"]:
            e["points"] = [e["reachable"][f"greedy@{args.cap}"], e["reachable"].get(f"pass@{args.samples}", e["reachable"][f"greedy@{args.cap}"]),
                           e["trained_generator"][f"greedy@{args.cap}"]]
        out_path.write_text(json.dumps(evaluation, indent=2) + "\n")
        np.savez(args.run / "chains.npz", **store)
        r = entry["reachable"]
        print(f"{name}: greedy@{args.cap} {r[f'greedy@{args.cap}']['accuracy']:.3f}, pass@1 {r.get('pass@1', {}).get('accuracy', float('nan')):.3f}, "
              f"pass@{args.samples} {r.get(f'pass@{args.samples}', {}).get('accuracy', float('nan')):.3f}, "
              f"countdown greedy {entry['trained_generator'][f'greedy@{args.cap}']['accuracy']:.3f}, "
              f"think {r['greedy_thinking']['mean']:.0f}, rank {r['search']['mean_teacher_rank']}, {entry['seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
