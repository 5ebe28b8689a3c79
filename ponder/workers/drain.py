"""Run a list of coroutine functions with a bounded number in flight."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Sequence


async def drain(units: Sequence[Callable[[], Awaitable[None]]], concurrency: int) -> None:
    """Run units with at most `concurrency` in flight, in order of submission; a bug in one cancels the rest."""
    queue = iter(units)

    async def worker() -> None:
        for unit in queue:
            await unit()

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(units))):
            group.create_task(worker())
