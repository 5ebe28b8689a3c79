"""CPU-bound work on untrusted text — recognising the problem a message states, checking an answer — run
off the event loop, with a deadline.

A server answers every client from one event loop: a check that computes on it stalls them all (one
chat message once blocked `/health` for 15 s). Here such work runs on a small pool of its own threads —
not asyncio's default executor, where it would queue behind model decoding — and the caller waits at
most `seconds`: past that it gets TimeoutError and answers without the result (a check scored
unverifiable, never a hang). A thread cannot be stopped, so what runs here must itself be bounded
(linear-time patterns, sizes checked before computing); the deadline is the second line of defence.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")
CHECK_SECONDS = 5.0  # default deadline of one check
WORKERS = 4

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The process's checking threads, started on first use (a process-wide resource, like asyncio's
    own default executor; threads are not inherited by spawned workers)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="ponder-check")
        return _pool


async def off_loop(function: Callable[..., T], *args: object, seconds: float = CHECK_SECONDS) -> T:
    """`function(*args)` run on a checking thread; TimeoutError when it takes longer than `seconds`."""
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(_executor(), functools.partial(function, *args)), seconds)
