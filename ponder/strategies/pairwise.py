"""Pairwise judging, king of the hill: the first distinct answer holds the title and each next one challenges it
in a match judged in both orders (`judging.match`); N - 1 matches for N distinct answers. Anytime: out of budget,
the holder so far is the answer."""

from __future__ import annotations

from ponder.generators.base import Generator
from ponder.strategies.base import Run
from ponder.strategies.judging import NoRoom, entrants, judged_result, match, sample_all
from ponder.types import Result


async def pairwise(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    await sample_all(run)
    field = entrants(run.candidates)
    if not field:
        return judged_result(run, None, "")
    holder = field[0]
    try:
        for challenger in field[1:]:
            holder = await match(run, judge, holder, challenger)
    except NoRoom:
        return judged_result(run, holder, "held the title when the budget ran out")
    return judged_result(run, holder, f"held the title against {len(field) - 1} challenger(s)")
