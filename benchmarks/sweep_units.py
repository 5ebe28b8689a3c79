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
from dataclasses import replace
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from processes import Server  # noqa: E402  (starts real processes on loopback and waits for /health)

from ponder.scaling.config import SweepConfig  # noqa: E402
from ponder.scaling.store import Store, StoredSample  # noqa: E402
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


def store_ms(unit: list, count: int = 2000) -> float:
    """Milliseconds to store one unit's samples (one transaction), over `count` units."""
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "sweep.sqlite") as store:
        started = time.perf_counter()
        for u in range(count):
            store.add_samples([StoredSample(replace(sample, problem_id=f"p{u}"), "stop", text) for sample, text in unit])
        return (time.perf_counter() - started) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--usage", default="count", choices=("count", "bytes", "reported"),
                        help="how tokens are counted (the model spec's ?usage=): count asks the engine's /tokenize once per choice")
    args = parser.parse_args()
    backend = Server(module="ponder.testing_backend", command=())
    try:
        config = SweepConfig(task="countdown", model=f"openai:scripted@{backend.base_url}?usage={args.usage}", samples=args.samples, chunk=args.chunk,
                             strategies=("single", "best_of_n", "majority"), concurrency=args.concurrency, max_new_tokens=16)
        problems = sweep_state(config).task.generate(args.problems, 0)
        units = args.problems * -(-args.samples // args.chunk)
        print(f"{units} units ({args.problems} problems x {args.samples} samples in chunks of {args.chunk}), "
              f"concurrency {args.concurrency}, usage={args.usage}, endpoint: the scripted backend on loopback")
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
        print(f"the driver storing one unit of {args.chunk} samples in SQLite: {store_ms(here[:args.chunk]):.3f} ms")
    finally:
        backend.stop()


if __name__ == "__main__":
    main()
