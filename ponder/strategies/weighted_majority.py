"""Weighted majority: each candidate's final answer gets its verifier score as votes (Li et al. 2023,
"Making Large Language Models Better Reasoners with Step-Aware Verifier")."""

from __future__ import annotations

from ponder.strategies.base import Run
from ponder.strategies.voting import tally, vote_key
from ponder.types import Result


async def weighted_majority(run: Run) -> Result:
    run.require_verifier()
    async for new in run.batches():
        for candidate in new:
            await run.score(candidate)
    chosen = run.leader_index(weighted=True)
    if chosen is not None:
        scored = [c for c in run.candidates if c.verdict is not None]
        leader = vote_key(run.candidates[chosen].answer)
        weight = tally((c.answer for c in scored), (c.verdict.score for c in scored))[leader]
        run.emit("decision", f"answer {leader!r} has the most verifier weight ({weight:.2f})")
    elif run.candidates:
        chosen = 0
    return run.result(chosen, run.stop_reason(False))
