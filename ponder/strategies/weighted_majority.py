"""Weighted majority: each candidate's final answer gets its verifier score as votes (Li et al. 2023,
"Making Large Language Models Better Reasoners with Step-Aware Verifier")."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.strategies.voting import tally, vote_key, winner
from ponder.types import Result


async def weighted_majority(run: Run) -> Result:
    run.require_verifier()
    async for new in run.batches():
        for candidate in new:
            await run.score(candidate)
    scored = [c for c in run.candidates if c.verdict is not None]
    totals = tally((c.answer for c in scored), (c.verdict.score for c in scored))
    leader = winner(totals)
    if leader is not None:
        run.emit("decision", f"answer {leader!r} has the most verifier weight ({totals[leader]:.2f})")
    chosen = next((c.index for c in scored if c.answer is not None and vote_key(c.answer) == leader), None)
    if chosen is None and run.candidates:
        chosen = 0
    return run.result(chosen, run.stop_reason(False))
