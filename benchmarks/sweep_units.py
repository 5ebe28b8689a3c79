"""How many sweep units per second the sweep machinery itself sustains, against an endpoint that
answers in microseconds (`ponder.testing_backend` on loopback), so the endpoint is never the limit:
one process (`ponder scale`) vs Ray actors (`ponder scale --ray`, local instance), in the same run,
with the same problems and seeds (the stored samples must be identical). The driver stores every unit
in the one SQLite file; this is the ceiling a cluster sweep cannot pass, whatever its fleet.

A unit is one chunk of one problem's samples (16 by default): one endpoint request with `n = chunk`.

    python benchmarks/sweep_units.py [--problems 200] [--samples 64] [--concurrency 64] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from processes import Server  # noqa: E402  (starts real processes on loopback and waits for /health)

from ponder.scaling.config import SweepConfig  # noqa: E402
from ponder.scaling.store import Store  # noqa: E402
from ponder.scaling.sweep import run_sweep, sweep_state  # noqa: E402
from ponder.workers.ray_actors import RayWorkers  # noqa: E402


def sweep(config: SweepConfig, problems, workers=None) -> tuple[float, list]:
    state = sweep_state(config) if workers is None else None
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "sweep.sqlite") as store:
        started = time.perf_counter()
        summary = asyncio.run(run_sweep(config, problems, state.task if state else None, state.generator if state else None, store,
                                        workers=workers))
        seconds = time.perf_counter() - started
        assert not summary.failed_units, summary.failed_units
        return seconds, [(s.sample, s.text) for s in store.samples()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    backend = Server(module="ponder.testing_backend", command=())
    try:
        config = SweepConfig(task="countdown", model=f"openai:scripted@{backend.base_url}", samples=args.samples, chunk=args.chunk,
                             strategies=("single", "best_of_n", "majority"), concurrency=args.concurrency, max_new_tokens=16)
        problems = sweep_state(config).task.generate(args.problems, 0)
        units = args.problems * -(-args.samples // args.chunk)
        print(f"{units} units ({args.problems} problems x {args.samples} samples in chunks of {args.chunk}), "
              f"concurrency {args.concurrency}, endpoint: the scripted backend on loopback")
        sweep(config, problems[:10])  # warm the endpoint's connections and imports
        here_seconds, here = sweep(config, problems)
        started = time.perf_counter()
        with RayWorkers(partial(sweep_state, config), workers=args.workers) as workers:
            workers.pids()
            startup = time.perf_counter() - started
            ray_seconds, there = sweep(config, problems, workers)
        assert there == here, "Ray drew other samples"
        print(f"{'':<22} {'seconds':>8} {'units/s':>8} {'samples/s':>10}")
        for name, seconds in (("one process", here_seconds), (f"Ray, {args.workers} actors", ray_seconds)):
            print(f"{name:<22} {seconds:>8.2f} {units / seconds:>8.0f} {units * args.chunk / seconds:>10.0f}")
        print(f"Ray start-up (instance and actors): {startup:.1f} s, not counted; the stored samples are identical")
    finally:
        backend.stop()


if __name__ == "__main__":
    main()
