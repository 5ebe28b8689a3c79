"""Revise: sequential attempts where the verifier's feedback goes back to the model, which tries again
(backtracking; Madaan et al. 2023, "Self-Refine", with an external verifier as the critic). Returns the
first verified-correct attempt, else the best-scored one when the budget runs out."""

from __future__ import annotations

from ponder.strategies.base import Run, best_scored, is_solved
from ponder.types import Message, Result


async def revise(run: Run) -> Result:
    run.require_verifier()
    messages = run.messages()
    while len(run.candidates) < run.target:
        new = await run.sample(1, messages)
        if not new:
            break
        attempt = await run.score(new[0])
        if is_solved(attempt):
            run.emit("decision", f"attempt {attempt.index} verified correct; stopping", attempt)
            return run.result(attempt.index, "solved")
        feedback = attempt.verdict.feedback if attempt.verdict else "it could not be checked"
        run.emit("decision", f"attempt {attempt.index} rejected: {feedback}; revising", attempt)
        messages = messages + [
            Message("assistant", attempt.completion.text),
            Message("user", f"That is not right: {feedback}. Think again and give a corrected answer."),
        ]
    best = best_scored(run.candidates)
    chosen = best.index if best is not None else (0 if run.candidates else None)
    return run.result(chosen, run.stop_reason(False))
