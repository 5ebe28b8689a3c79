"""Best-of-N: sample candidates in batches, score each with the verifier, return the best-scored one;
stop early once a candidate is verified correct (Cobbe et al. 2021, "Training Verifiers to Solve Math
Word Problems"; with an exact checker this is rejection sampling)."""

from __future__ import annotations

from ponder.strategies.base import Run, best_scored, is_solved
from ponder.types import Result


async def best_of_n(run: Run) -> Result:
    run.require_verifier()
    async for new in run.batches():
        for candidate in new:
            scored = await run.score(candidate)
            if is_solved(scored):
                run.emit("decision", f"candidate {scored.index} verified correct; stopping", scored)
                return run.result(scored.index, "solved")
        best = best_scored(run.candidates)
        if best is not None:
            run.emit("best", f"best so far: candidate {best.index} ({best.verdict.score:.2f})", best)
    best = best_scored(run.candidates)
    chosen = best.index if best is not None else (0 if run.candidates else None)
    return run.result(chosen, run.stop_reason(False))
