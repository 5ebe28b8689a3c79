"""What a scaling sweep costs, measured on the embedded model in one run.

1. Samples drawn: `ponder scale` (N samples per problem, every budget estimated from them) against a
   naive sweep that runs each pool strategy at each budget 1, 2, 4, ..., N with the real engine (the
   peer; its strategies stop early when they can, which only helps it).
2. The harness's own overhead per sample: the sweep's wall time minus the time spent inside the
   generator, against the same generator calls made in a bare loop (the peer: no verification, no
   store, no bookkeeping).

    python benchmarks/sweep_cost.py [--task countdown] [--problems 30] [--samples 32]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from ponder.generators.base import Forwarding
from ponder.budget import Limits
from ponder.engine import Plan, solve_all
from ponder.embedded.tiny import EmbeddedGenerator
from ponder.scaling.curves import budgets
from ponder.scaling.store import Store
from ponder.scaling.sweep import SweepConfig, chunk_seed, run_sweep
from ponder.tasks import get_task
from ponder.types import Message

POOL = ("single", "best_of_n", "majority", "weighted_majority")


class Timed(Forwarding):
    """The generator, with the seconds spent inside it counted."""

    def __init__(self, inner):
        super().__init__(inner)
        self.seconds = 0.0

    async def generate(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return await self.inner.generate(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


async def naive(task, problems, generator, config) -> int:
    drawn = 0
    for strategy in POOL:
        for k in [1] if strategy == "single" else budgets(config.samples):
            plan = Plan(strategy=strategy, limits=Limits(max_candidates=k), params=config.params, seed=config.seed)
            async for outcome in solve_all(problems, task, generator, plan):
                drawn += outcome.result.usage.candidates
    return drawn


async def bare(task, problems, generator, config) -> int:
    drawn = 0
    for problem in problems:
        for start in range(0, config.samples, config.chunk):
            size = min(config.chunk, config.samples - start)
            params = replace(config.params, seed=chunk_seed(config.seed, problem.id, start))
            drawn += len((await generator.generate([Message("user", problem.prompt)], size, params)).completions)
    return drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="countdown")
    parser.add_argument("--problems", type=int, default=30)
    parser.add_argument("--samples", type=int, default=32)
    args = parser.parse_args()
    task = get_task(args.task)
    problems = task.generate(args.problems, seed=99)
    config = SweepConfig(task=args.task, model="embedded", samples=args.samples, strategies=POOL, seed=1, max_new_tokens=48, concurrency=1)
    generator = Timed(EmbeddedGenerator())
    asyncio.run(bare(task, problems[:2], generator, config))  # warm up

    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "sweep.sqlite") as store:
        generator.seconds, started = 0.0, time.perf_counter()
        summary = asyncio.run(run_sweep(config, problems, task, generator, store))
        sweep_wall, sweep_gen = time.perf_counter() - started, generator.seconds
    generator.seconds, started = 0.0, time.perf_counter()
    bare_drawn = asyncio.run(bare(task, problems, generator, config))
    bare_wall, bare_gen = time.perf_counter() - started, generator.seconds
    generator.seconds, started = 0.0, time.perf_counter()
    naive_drawn = asyncio.run(naive(task, problems, generator, config))
    naive_wall = time.perf_counter() - started

    drawn = summary.samples_drawn
    print(f"{args.task}: {args.problems} problems, budgets {budgets(args.samples)}, strategies {', '.join(POOL)}")
    print(f"samples drawn   sweep {drawn:>7,}   naive per-budget {naive_drawn:>7,}   ratio {naive_drawn / drawn:.2f}x fewer")
    print(f"wall seconds    sweep {sweep_wall:>7.2f}   naive per-budget {naive_wall:>7.2f}   ratio {naive_wall / sweep_wall:.2f}x faster")
    overhead = (sweep_wall - sweep_gen) / drawn
    bare_overhead = (bare_wall - bare_gen) / bare_drawn
    print(f"overhead/sample sweep {1e6 * overhead:>7.0f} us (verify, grade, store)   bare loop {1e6 * bare_overhead:>5.0f} us   "
          f"generation/sample {1e6 * sweep_gen / drawn:.0f} us; sweep wall / bare wall {sweep_wall / bare_wall:.2f}x")


if __name__ == "__main__":
    main()
