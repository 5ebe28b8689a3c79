"""Measure ponder-think on countdown problems from generators it was never trained on.

    python scripts/evaluate_think.py [--problems 200] [--seed 1] [--model-dir DIR] [--out FILE.json]

- one greedy chain at each thinking budget, with and without the calculator (each budget run on its own:
  the exact outcome of that cap, never read off a longer chain);
- best of K sampled chains with the exact checker (correct when any chain is);
- on the uniform-reachable generator (`tasks.countdown_reachable`, independent of training) and on the
  held-out split of the training generator (`training.recipes.search_traces.random_walk_instance`), both reported;
- the classic 24 game at the plan `ponder solve` runs by default (7 sampled chains, best-of-N).
Accuracy with a 95% bootstrap CI over problems; mean thinking tokens per chain; how many chains were
closed at the cap (forced to answer) and how often such a forced answer is right.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np

from ponder.embedded.think import MODEL_DIR, EmbeddedThinkGenerator
from ponder.scaling.estimators import bootstrap_ci
from ponder.tasks.countdown import CountdownTask, make_problem
from ponder.tasks.countdown_reachable import CountdownReachableTask, game_of_24
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.tools.countdown_calculator import think_prompt
from ponder.training.recipes.search_traces import random_walk_instance
from ponder.types import SamplingParams

GRADER = CountdownTask()


def measure(generator, problems, *, cap: int, tools: bool, chains: int, temperature: float, seed: int, chunk: int = 100) -> dict:
    """Accuracy (any of `chains` correct) and token counts over problems, decoded in chunks."""
    params = with_thinking(SamplingParams(temperature=temperature, seed=seed), thinking_budget(cap, tools=tools))
    solved, thinking, tool_tokens, completion, forced = [], [], [], [], []
    started = time.monotonic()
    for start in range(0, len(problems), chunk):
        batch = problems[start : start + chunk]
        prompts = [think_prompt(p.data["numbers"], p.data["target"]) for p in batch]
        for problem, completions in zip(batch, generator.think_many(prompts, chains, params)):
            solved.append(float(any(GRADER.grade(problem, GRADER.extract(c.text)) for c in completions)))
            forced += [float(GRADER.grade(problem, GRADER.extract(c.text))) for c in completions if c.close_tokens]  # closed at the cap
            thinking += [c.thinking_tokens for c in completions]
            tool_tokens += [c.tool_tokens for c in completions]
            completion += [c.completion_tokens for c in completions]
            assert all(c.thinking_tokens <= cap for c in completions), "a chain passed its thinking cap"
    seconds = time.monotonic() - started
    low, high = bootstrap_ci(solved, np.random.default_rng(0))
    return {
        "cap": cap, "tools": tools, "chains": chains, "temperature": temperature,
        "accuracy": float(np.mean(solved)), "ci95": [low, high], "problems": len(problems),
        "mean_thinking_tokens": float(np.mean(thinking)), "mean_tool_tokens": float(np.mean(tool_tokens)),
        "max_thinking_tokens": int(max(thinking)), "tokens": int(sum(completion)), "seconds": round(seconds, 1),
        "forced_chains": len(forced), "forced_accuracy": float(np.mean(forced)) if forced else None,
        "tokens_per_second": round(sum(completion) / seconds),
    }


def random_walk_problems(count: int, seed: int):
    rng = random.Random(f"random-walk:{seed}")
    problems = []
    while len(problems) < count:
        numbers, target = random_walk_instance(rng, "test")
        if len(numbers) == 4:
            problems.append(make_problem(f"random-walk-{seed}-{len(problems)}", numbers, target))
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model-dir", default=str(MODEL_DIR))
    parser.add_argument("--budgets", default="64,128,256,512,1024,2048", help="one chain with the calculator, on the uniform set")
    parser.add_argument("--notool-budgets", default="256,1024", help="one chain without the calculator, on the uniform set")
    parser.add_argument("--randomwalk-budgets", default="256,1024", help="one chain with the calculator, on the training generator's held-out split")
    parser.add_argument("--best-of", type=int, default=16)
    parser.add_argument("--best-of-budget", type=int, default=1024)
    parser.add_argument("--best-of-problems", type=int, help="the first this many uniform problems for best-of (default: all)")
    parser.add_argument("--game24", type=int, default=300, help="24-game hands to sample (of the 1,362; 0: skip)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: notool,randomwalk,bestof")
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    generator = EmbeddedThinkGenerator(args.model_dir)
    budgets = lambda text: [int(b) for b in text.split(",") if b]  # noqa: E731
    uniform = CountdownReachableTask().generate(args.problems, args.seed)
    runs = [("uniform-reachable", uniform, cap, True) for cap in budgets(args.budgets)]
    if "notool" not in skip:
        runs += [("uniform-reachable", uniform, cap, False) for cap in budgets(args.notool_budgets)]
    if "randomwalk" not in skip:
        walks = random_walk_problems(args.problems, args.seed)
        runs += [("random-walk (training generator, held out)", walks, cap, True) for cap in budgets(args.randomwalk_budgets)]
    results = []
    for name, problems, cap, tools in runs:
        row = {"set": name, **measure(generator, problems, cap=cap, tools=tools, chains=1, temperature=0.0, seed=args.seed)}
        results.append(row)
        print(json.dumps(row), flush=True)
    if "bestof" not in skip:
        row = {"set": "uniform-reachable", **measure(generator, uniform[: args.best_of_problems], cap=args.best_of_budget, tools=True, chains=args.best_of,
                                                     temperature=1.0, seed=args.seed, chunk=25)}
        results.append(row)
        print(json.dumps(row), flush=True)
    if args.game24:
        # The plan `ponder solve "Use the numbers a, b, c and d to make 24."` runs at the default effort (medium:
        # 8,192 tokens) with ponder-think: 7 sampled chains of at most 1,024 thinking tokens (+ 64 answer room),
        # best-of-N with the exact checker, i.e. correct when any of the 7 is. Decoded here in batches across hands.
        hands = random.Random(args.seed).sample(game_of_24(), min(args.game24, 1362))
        problems = [make_problem(f"24-{i}", list(hand), 24, every=True) for i, hand in enumerate(hands)]  # every number once
        row = {"set": "game of 24 (default effort)", **measure(generator, problems, cap=1024, tools=True, chains=7,
                                                               temperature=1.0, seed=args.seed, chunk=25)}
        results.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
