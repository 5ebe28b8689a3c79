"""A local process pool: `workers` spawned processes, each building its state once.

Processes are spawned (not forked: a forked copy of a process holding torch's thread pools can hang),
each limited to `threads` CPU threads so N workers do not fight over N cores. A worker that dies breaks
a `ProcessPoolExecutor` for good; the pool is then rebuilt and every unit that was in flight raises
`WorkerLost`, for the caller to retry.
"""

from __future__ import annotations

import asyncio
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Callable

from ponder.workers.base import Closing, Unit, WorkerLost, WorkersError

# This worker process's state and event loop, built once by `_start`. A process pool gives a worker nothing else
# to keep them in: they are the pool's per-process slot, never set in the parent. One loop for all of a worker's
# units, so the clients its state holds (an LLM player's HTTP connections) are never left bound to a closed loop.
_STATE: Any = None
_LOOP: asyncio.AbstractEventLoop | None = None


def limit_threads(threads: int) -> None:
    """Cap this process's math libraries at `threads` threads (before or after they are imported)."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def build_state(setup: Callable[[], Any], threads: int) -> Any:
    """A worker's state, built with its math libraries held to `threads` threads."""
    limit_threads(threads)
    state = setup()
    limit_threads(threads)  # setup may have imported torch
    return state


def _start(setup: Callable[[], Any], threads: int) -> None:
    global _STATE, _LOOP
    _STATE = build_state(setup, threads)
    _LOOP = asyncio.new_event_loop()


def _run(unit: Unit, args: tuple[Any, ...]) -> Any:
    assert _LOOP is not None, "a unit ran in a process the pool did not start"
    return _LOOP.run_until_complete(unit(_STATE, *args))


class ProcessPool(Closing):
    def __init__(self, setup: Callable[[], Any], workers: int, threads: int = 1):
        if workers < 1:
            raise WorkersError("--workers must be at least 1")
        self.slots = workers
        self._setup, self._threads = setup, threads
        self._executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.slots, mp_context=get_context("spawn"), initializer=_start,
                                   initargs=(self._setup, self._threads))

    async def submit(self, unit: Unit, *args: Any) -> Any:
        executor = self._executor
        try:
            return await asyncio.wrap_future(executor.submit(_run, unit, args))
        except BrokenProcessPool as error:
            if executor is self._executor:  # the first unit to notice rebuilds the pool; the rest just retry
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new()
            raise WorkerLost(f"a worker process died: {error}") from None

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop now: the workers are terminated mid-unit (an interrupted run resumes from what it stored)."""
        processes = list((self._executor._processes or {}).values())  # no public way before Python 3.14
        self._executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(5)
