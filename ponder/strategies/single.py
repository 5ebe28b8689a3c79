"""One candidate, no verifier: the model answers at once (system 1 alone)."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.types import Result


async def single(run: Run) -> Result:
    new = await run.sample(1)
    return run.result(0 if new else None, "done" if new and not run.refused else run.stop_reason(False))
