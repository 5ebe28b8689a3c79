"""Greedy HumanEval pass@1 of an OpenAI-compatible model with two prompts, to measure how much of a gap to a
published figure the prompt explains: ponder's (`tasks.code.INSTRUCTION`: signature and body, code only) and
EvalPlus' instruct prompt ("a self-contained Python script", which the Qwen2.5-Coder report's instruct numbers use).
Both graded by the hidden tests in the sandbox, the code read the same way (the reply's last fenced block).

    python scripts/humaneval_prompt.py --url http://127.0.0.1:8082/v1 [--problems 164] [--parallel 8] --out FILE.json
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import openai

from ponder.scaling.estimators import bootstrap_ci
from ponder.tasks import get_task

EVALPLUS = "Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```\n{prompt}\n```\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--problems", type=int, default=164)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=768)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    task = get_task("humaneval")
    problems = task.generate(args.problems, 0)
    client = openai.OpenAI(base_url=args.url, api_key="none", timeout=1200)

    def ask(problem):
        text = EVALPLUS.format(prompt=problem.data["code_prompt"].strip())
        reply = client.chat.completions.create(model="model", messages=[{"role": "user", "content": text}], temperature=0,
                                               max_tokens=args.max_tokens)
        content = reply.choices[0].message.content or ""
        return task.grade(problem, task.extract(content)), reply.usage.completion_tokens

    with ThreadPoolExecutor(args.parallel) as pool:
        results = list(pool.map(ask, problems))
    correct = [float(ok) for ok, _ in results]
    low, high = bootstrap_ci(correct, np.random.default_rng(0))
    report = {"prompt": "evalplus", "problems": len(problems), "pass@1": float(np.mean(correct)), "ci": [low, high],
              "tokens_per_problem": float(np.mean([t for _, t in results]))}
    args.out.write_text(json.dumps(report, indent=1))
    print(f"EvalPlus' prompt: greedy pass@1 {100 * report['pass@1']:.1f}% [{100 * low:.1f}, {100 * high:.1f}] on {len(problems)}, "
          f"{report['tokens_per_problem']:.0f} tokens/problem")


if __name__ == "__main__":
    main()
