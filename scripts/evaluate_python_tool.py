"""What the Python tool buys a real model at equal tokens, on arithmetic word problems from a generator of ours
(no model was tuned on it): each problem is asked twice, with the tool (the model may write ```python blocks, run
in the sandbox as it writes, their output appended and charged) and without it (think step by step), each as one
greedy chain under the same thinking cap and answer room. Graded against the generator's hidden answers.

    python scripts/evaluate_python_tool.py --model "openai:qwen@http://127.0.0.1:8081/v1?thinking=continue&format=python" \\
        [--problems 60] [--cap 384] [--seed 0] [--concurrency 4] --out runs/python_tool.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from pathlib import Path

import numpy as np

from ponder.budget import Limits
from ponder.engine import make_plan, solve_all
from ponder.loading import load_generator
from ponder.scaling.estimators import bootstrap_ci
from ponder.tasks import get_task
from ponder.tasks.word_problems import TEMPLATES as WORD_TEMPLATES
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.types import SamplingParams

# The word-problems task's settings (ponder.tasks.word_problems), with 2-4 digit numbers and one setting of its own:
# the problems of the measured run in docs/code.md.
TEMPLATES = [*WORD_TEMPLATES[:4],
             ("A farm packs {x} eggs into boxes of {a}. How many boxes can be filled completely?",
              lambda a, b, c, d: (a * b + c % a) // a),
             WORD_TEMPLATES[4]]
WITH_TOOL = ("\n\nYou can run Python: write a ```python block that prints what you need, and its output will be shown to you. "
             "End with a line 'Final answer: ' and the number.")
WITHOUT_TOOL = "\n\nThink step by step, then end with a line 'Final answer: ' and the number."


def word_problems(count: int, seed: int) -> list[tuple[str, str, int]]:
    """(id, statement, answer): multi-step products and sums of 2-4 digit numbers, answers positive."""
    rng = random.Random(seed)
    problems = []
    while len(problems) < count:
        index = len(problems)
        template, answer = TEMPLATES[index % len(TEMPLATES)]
        a, b, c, d = rng.randint(23, 97), rng.randint(1_000, 9_999), rng.randint(1_000, 9_999), rng.randint(100, 999)
        x = a * b + c % a
        value = answer(a, b, c, d)
        if value > 0:
            problems.append((f"words-{index}", template.format(a=a, b=b, c=c, d=d, x=x), value))
    return problems


async def measure(spec: str, problems: list[tuple[str, str, int]], cap: int, tools: bool, concurrency: int) -> dict:
    task = get_task("jsonl")
    suffix = WITH_TOOL if tools else WITHOUT_TOOL
    asked = [task.from_record({"id": pid, "prompt": text + suffix, "answer": str(answer)}) for pid, text, answer in problems]
    generator = load_generator(spec, timeout=1200)
    params = with_thinking(SamplingParams(temperature=0.0, max_tokens=cap + 64, seed=0), thinking_budget(cap, tools=tools))
    plan = make_plan(strategy="think", overrides=Limits(max_candidates=1), params=params, seed=0)
    rows = []
    async for outcome in solve_all(asked, task, generator, plan, concurrency=concurrency):
        usage = outcome.result.usage if outcome.result else None
        rows.append({"id": outcome.problem.id, "correct": bool(outcome.correct), "answer": outcome.result.answer if outcome.result else None,
                     "completion_tokens": usage.completion_tokens if usage else 0, "tool_tokens": usage.tool_tokens if usage else 0,
                     "thinking_tokens": usage.thinking_tokens if usage else 0, "error": outcome.error})
        if len(rows) % 10 == 0:
            print(f"{'with' if tools else 'without'} the tool: {len(rows)}/{len(asked)}", file=sys.stderr, flush=True)
    correct = [float(r["correct"]) for r in rows]
    low, high = bootstrap_ci(correct, np.random.default_rng(0))
    return {"tools": tools, "accuracy": float(np.mean(correct)), "ci": [low, high],
            "completion_tokens": float(np.mean([r["completion_tokens"] for r in rows])),
            "tool_tokens": float(np.mean([r["tool_tokens"] for r in rows])),
            "closed_at_cap": sum(r["thinking_tokens"] >= cap for r in rows),
            "errors": sum(r["error"] is not None for r in rows), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a model spec with ?thinking=continue&format=python")
    parser.add_argument("--problems", type=int, default=60)
    parser.add_argument("--cap", type=int, default=384, help="thinking tokens per chain (tool output included)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    problems = word_problems(args.problems, args.seed)
    report = {"model": args.model, "problems": len(problems), "cap": args.cap, "arms": []}
    for tools in (True, False):
        report["arms"].append(asyncio.run(measure(args.model, problems, args.cap, tools, args.concurrency)))
        args.out.write_text(json.dumps(report, indent=1))
    for arm in report["arms"]:
        print(f"{'with the Python tool' if arm['tools'] else 'without it (chain of thought)':32s} "
              f"{100 * arm['accuracy']:5.1f}% [{100 * arm['ci'][0]:.1f}, {100 * arm['ci'][1]:.1f}]  "
              f"{arm['completion_tokens']:.0f} tokens/problem ({arm['tool_tokens']:.0f} from the tool), "
              f"{arm['closed_at_cap']} thoughts closed at the cap, {arm['errors']} errors")


if __name__ == "__main__":
    main()
