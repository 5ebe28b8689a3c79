"""Step-level search speed: steps expanded per second, PRM calls per second, and the share of wall time
spent outside model and PRM forward passes (the search's own overhead: node bookkeeping, step
formats, the calculator, budget accounting), for beam, DVTS and MCTS over steps with the embedded
models. The peer, measured in the same run, is the same generator sampling whole candidates for
best-of-N: its candidates per second, and its own share outside the model.

    python benchmarks/step_search.py --problems 20
"""

from __future__ import annotations

import argparse
import asyncio
import time

from ponder.budget import Limits
from ponder.engine import make_plan, solve
from ponder.tasks import get_task
from ponder.types import SamplingParams
from ponder.loading import load_prm


class Timed:
    """Wraps a generator or PRM and adds up the seconds spent inside its calls."""

    def __init__(self, inner):
        self.inner, self.seconds = inner, 0.0

    def __getattr__(self, name):
        value = getattr(self.inner, name)
        if name not in ("generate", "continue_final", "score"):
            return value

        async def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await value(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


def measure(strategy: str, task_name: str, generator, prm_spec: str | None, problems: int, candidates: int) -> dict:
    task = get_task(task_name)
    timed = Timed(generator)
    prm = Timed(load_prm(prm_spec)) if prm_spec else None
    options = {"prm": prm} if prm is not None else {}
    plan = make_plan(strategy=strategy, overrides=Limits(max_candidates=candidates), params=SamplingParams(max_tokens=64, seed=1), options=options)

    async def run_all():
        return [await solve(p, task, timed, plan, index=i) for i, p in enumerate(task.generate(problems, seed=9))]

    started = time.perf_counter()
    results = asyncio.run(run_all())
    wall = time.perf_counter() - started
    inside = timed.seconds + (prm.seconds if prm is not None else 0.0)
    steps = sum(r.usage.steps for r in results)
    return {
        "strategy": strategy, "task": task_name, "prm": prm_spec or "-", "wall": wall,
        "steps_per_second": steps / wall, "candidates_per_second": sum(len(r.candidates) for r in results) / wall,  # finished solutions, for a step search
        "prm_calls_per_second": sum(r.usage.verifier_calls for r in results) / wall if prm is not None else 0.0,
        "outside": max(0.0, wall - inside) / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=8)
    args = parser.parse_args()
    from ponder.embedded.tiny import EmbeddedGenerator
    from ponder.embedded.think import EmbeddedThinkGenerator

    models = {"arithmetic": EmbeddedGenerator(threads=2), "countdown-reachable": EmbeddedThinkGenerator(threads=2)}
    print("| task | strategy | PRM | steps/s | PRM calls/s | candidates (finished solutions)/s | wall time outside model and PRM |")
    print("|---|---|---|---|---|---|---|")
    for task, generator in models.items():
        peer = measure("best_of_n", task, generator, None, args.problems, args.candidates)
        print(f"| {task} | best_of_n (peer) | - | - | - | {peer['candidates_per_second']:.1f} | {peer['outside']:.1%} |")
        for strategy in ("beam", "dvts", "step_mcts"):
            for prm in ("exact", "learned"):
                r = measure(strategy, task, generator, prm, args.problems, args.candidates)
                print(f"| {task} | {strategy} | {prm} | {r['steps_per_second']:.1f} | {r['prm_calls_per_second']:.1f} | "
                      f"{r['candidates_per_second']:.1f} | {r['outside']:.1%} |")


if __name__ == "__main__":
    main()
