"""Pointwise judging: the judge grades each distinct answer from 0 to 10 on its own; the best graded wins, ties to
the more voted (LLM-as-a-judge, single-answer grading: Zheng et al. 2023). Grades come as candidates do, so the
strategy is anytime: out of budget, the best graded so far (or the most voted) is the answer."""

from __future__ import annotations

from ponder.generators.base import Generator
from ponder.strategies.base import Run
from ponder.strategies.judging import NoRoom, ask, entrants, judged_result, most_voted
from ponder.types import Result
from ponder.verifiers.judge import GRADE_TOKENS, grade_prompt, read_score


async def pointwise(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    grades: dict[int, float] = {}
    try:
        async for _ in run.batches():
            for entrant in entrants(run.candidates):
                if entrant.candidate.index not in grades:
                    grade = read_score(await ask(run, judge, grade_prompt(run.problem.prompt, entrant.text), GRADE_TOKENS))
                    grades[entrant.candidate.index] = -1.0 if grade is None else grade
                    run.emit("judged", f"candidate {entrant.candidate.index} graded {'-' if grade is None else round(grade * 10)}/10",
                             entrant.candidate, node={"a": entrant.candidate.index, "grade": grade})
    except NoRoom:
        pass
    field = entrants(run.candidates)
    if not field:
        return judged_result(run, None, "")
    graded = [e for e in field if e.candidate.index in grades]
    if not graded:
        return judged_result(run, most_voted(field), "the most voted (nothing graded)")
    top = max(grades[e.candidate.index] for e in graded)
    best = most_voted([e for e in graded if grades[e.candidate.index] == top])
    return judged_result(run, best, f"graded {top * 10:.0f}/10" if top >= 0 else "no grade read; the most voted")
