"""The workers a command's `--workers` / `--ray` flags ask for."""

from __future__ import annotations

import os
from typing import Any, Callable

from ponder.workers.base import InProcess, Workers, WorkersError

LOCAL = "local"  # `--ray` without an address: start a local Ray instance


def open_workers(
    setup: Callable[[], Any], workers: int | None = None, ray: str | None = None, here: Callable[[], Any] | None = None
) -> Workers:
    """Ray actors when `ray` is given (LOCAL or an address; `workers` actors, default one per cluster
    CPU), else a process pool of `workers` (default: this machine's cores), else with one worker this
    process, holding what `here` (default `setup`) builds: state the caller has loaded already."""
    if workers is not None and workers < 1:
        raise WorkersError("--workers must be at least 1")
    if ray is not None:
        from ponder.workers.ray_actors import RayWorkers

        return RayWorkers(setup, None if ray == LOCAL else ray, workers)
    count = (os.cpu_count() or 1) if workers is None else workers
    if count == 1:
        return InProcess((here or setup)())
    from ponder.workers.pool import ProcessPool

    return ProcessPool(setup, count)


def add_worker_flags(parser: Any, unit: str, default: str = "one per core") -> None:
    """`--workers N` and `--ray [ADDRESS]` on an argparse parser (both default to None)."""
    parser.add_argument("--workers", type=int, default=None,
                        help=f"processes that run {unit} in parallel (default: {default}; 1: this process only; "
                             "with --ray: Ray actors, default one per cluster CPU)")
    parser.add_argument("--ray", nargs="?", const=LOCAL, default=None, metavar="ADDRESS",
                        help=f"run {unit} as Ray tasks: no ADDRESS starts a local Ray instance on this machine's cores; "
                             "'auto' or HOST:PORT joins a running cluster")
