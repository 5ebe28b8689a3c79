"""Universal Self-Consistency (Chen et al. 2023): the judge reads all N candidates in one request and names the
most consistent one, which extends majority voting to free-form answers (code, prose) where no two are equal.
One question for N candidates; an unread reply, or no room for the question, falls back to the majority."""

from __future__ import annotations

from ponder.generators.base import Generator
from ponder.strategies.base import Run
from ponder.strategies.judging import NoRoom, ask, entrants, judged_result, most_voted, sample_all
from ponder.types import Result
from ponder.verifiers.judge import USC_TOKENS, consistency_prompt, read_choice


async def usc(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    await sample_all(run)
    field = entrants(run.candidates)
    if len(field) <= 1:
        return judged_result(run, field[0] if field else None, "the only answer")
    shown = [c for c in run.candidates if c.completion.text.strip()]
    try:
        reply = await ask(run, judge, consistency_prompt(run.problem.prompt, [c.completion.text for c in shown]), USC_TOKENS)
    except NoRoom:
        return judged_result(run, most_voted(field), "the most voted (no room to ask)")
    choice = read_choice(reply, len(shown))
    run.emit("judged", f"the most consistent: {'-' if choice is None else shown[choice].index}",
             node={"shown": [c.index for c in shown], "choice": None if choice is None else shown[choice].index})
    if choice is None:
        return judged_result(run, most_voted(field), "the most voted (no response named)")
    return judged_result(run, shown[choice], f"named the most consistent of {len(shown)}")
