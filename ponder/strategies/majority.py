"""Majority vote over extracted final answers (self-consistency, Wang et al. 2022). Needs no verifier.
Stops sampling early once the remaining candidates could not change the winner."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.strategies.voting import decided, tally, winner
from ponder.types import Result, StopReason


async def majority(run: Run) -> Result:
    async for _ in run.batches():
        totals = tally(c.answer for c in run.candidates)
        leader = winner(totals)
        if leader is not None:
            run.emit("best", f"leading answer {leader!r} with {totals[leader]:.0f} votes")
        if decided(list(totals.values()), run.target - len(run.candidates)):
            if len(run.candidates) < run.target:
                run.emit("decision", "the vote is decided; stopping early")
            return vote_result(run, "done")
    return vote_result(run, run.stop_reason(False))


def vote_result(run: Run, stop: StopReason) -> Result:
    """The result choosing the first candidate of the majority answer (the first candidate when none voted)."""
    chosen = run.leader_index()
    if chosen is None and run.candidates:
        chosen = 0
    return run.result(chosen, stop)
