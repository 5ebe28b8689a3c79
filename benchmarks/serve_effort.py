"""What each `reasoning_effort` level buys through `ponder serve`, measured with the official openai SDK
against a real server on loopback serving the embedded model: accuracy on held-out countdown problems,
reasoning tokens and latency per request. The peer is effort `none` (one greedy answer) in the same run.

    python benchmarks/serve_effort.py [--problems 100] [--task countdown]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from processes import Server  # noqa: E402

from ponder.budget import EFFORT_LEVELS
from ponder.tasks import get_task


async def level(base_url: str, task, problems, effort: str) -> tuple[float, float, float, float]:
    client = openai.AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=600)
    slots = asyncio.Semaphore(8)

    async def ask(index, problem):
        async with slots:
            started = time.perf_counter()
            response = await client.chat.completions.create(
                model="ponder-tiny", messages=[{"role": "user", "content": problem.prompt}], reasoning_effort=effort, seed=index
            )
            seconds = time.perf_counter() - started
        answer = task.extract(response.choices[0].message.content or "")
        details = response.usage.completion_tokens_details
        return bool(task.grade(problem, answer)), details.reasoning_tokens, response.usage.completion_tokens, seconds

    runs = await asyncio.gather(*(ask(i, p) for i, p in enumerate(problems)))
    await client.close()
    return (
        sum(ok for ok, *_ in runs) / len(runs),
        statistics.mean(r for _, r, _, _ in runs),
        statistics.mean(c for _, _, c, _ in runs),
        statistics.median(s for *_, s in runs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=100)
    parser.add_argument("--task", default="countdown", choices=("countdown", "arithmetic"))
    args = parser.parse_args()
    task = get_task(args.task)
    problems = task.generate(args.problems, seed=2026)
    server = Server("--quiet")
    try:
        print(f"{args.problems} held-out {args.task} problems, embedded model through ponder serve")
        print(f"{'effort':>8} {'accuracy':>9} {'reasoning tok':>14} {'completion tok':>15} {'median s':>9}")
        for effort in EFFORT_LEVELS:
            accuracy, reasoning, completion, seconds = asyncio.run(level(server.base_url, task, problems, effort))
            print(f"{effort:>8} {accuracy:>9.1%} {reasoning:>14.1f} {completion:>15.1f} {seconds:>9.3f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
