"""The README's Connect Four strength-vs-budget tournament in one process, on a process pool and on Ray
actors (local instance), with the same schedule and seeds; games/s and the speed-up over one process, and
each backend's per-unit overhead measured with trivial units. All runs share this machine's cores.

    python benchmarks/distributed_arena.py [--games 100] [--workers 2] [--trivial 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from functools import partial
from pathlib import Path

from ponder.games.arena.config import ArenaConfig, scale_players
from ponder.games.arena.store import STORE_NAME, ArenaStore
from ponder.games.arena.tournament import ArenaState, arena_state, load_players, run_arena
from ponder.games.rules.openspiel import load
from ponder.workers.base import InProcess
from ponder.workers.pool import ProcessPool
from ponder.workers.ray_actors import RayWorkers


async def trivial(state: object, x: int) -> int:
    return x


def per_unit_ms(workers, count: int) -> float:
    """Wall time per unit of `count` trivial units kept 4 per worker in flight (after a warm-up)."""
    async def run() -> float:
        await asyncio.gather(*(workers.submit(trivial, i) for i in range(workers.slots * 4)))
        semaphore = asyncio.Semaphore(workers.slots * 4)

        async def one(i: int) -> None:
            async with semaphore:
                await workers.submit(trivial, i)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return (time.perf_counter() - started) / count * 1e3
    return asyncio.run(run())


async def warm(workers) -> None:
    await asyncio.gather(*(workers.submit(trivial, i) for i in range(workers.slots)))


def tournament(config: ArenaConfig, workers) -> tuple[float, list]:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        progress = asyncio.run(run_arena(config, Path(out), [], workers=workers))
        seconds = time.perf_counter() - started
        assert progress.done == progress.total, progress
        with ArenaStore(Path(out) / STORE_NAME) as store:
            return seconds, [record.steps for *_, record in store.games()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=100, help="games per pair (the README's run: 100)")
    parser.add_argument("--scale", default="mcts:1,4,16,64,256,1024")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--trivial", type=int, default=2000, help="trivial units for the per-unit overhead")
    args = parser.parse_args()
    config = ArenaConfig("connect_four", tuple(scale_players(args.scale)[0]), args.games, 0, args.scale)
    total = len(config.players) * (len(config.players) - 1) // 2 * args.games
    print(f"Connect Four, --scale {args.scale} --games {args.games}: {total} games")

    here = InProcess(ArenaState(load(config.game), load_players(config)))
    rows = []
    seconds, reference = tournament(config, here)
    rows.append(("one process", 0.0, seconds, per_unit_ms(here, args.trivial)))
    for name, make in (("process pool", partial(ProcessPool, workers=args.workers)), ("Ray (local)", partial(RayWorkers, workers=args.workers))):
        started = time.perf_counter()
        workers = make(partial(arena_state, config))
        if isinstance(workers, RayWorkers):
            workers.pids()  # every actor up and its players loaded
        else:
            asyncio.run(warm(workers))
        startup = time.perf_counter() - started
        with workers:
            seconds, steps = tournament(config, workers)
            assert steps == reference, f"{name} played other games"
            rows.append((f"{name}, {args.workers} workers", startup, seconds, per_unit_ms(workers, args.trivial)))
    base = rows[0][2]
    print(f"{'':<26} {'start-up s':>10} {'tournament s':>12} {'games/s':>8} {'speed-up':>8} {'per-unit ms':>11}")
    for name, startup, seconds, overhead in rows:
        print(f"{name:<26} {startup:>10.2f} {seconds:>12.1f} {total / seconds:>8.2f} {base / seconds:>7.2f}x {overhead:>11.3f}")
    print("every run played the same games (identical steps); start-up (spawn, imports, players loaded) is not in the tournament time")


if __name__ == "__main__":
    main()
