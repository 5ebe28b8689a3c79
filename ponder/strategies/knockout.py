"""A knockout tournament (single elimination): distinct answers meet in pairs, each match judged in both orders
(`judging.match`), winners go on to the next round; an odd one out goes through unjudged. Anytime: out of
budget, the most voted answer still in the tournament is the answer."""

from __future__ import annotations

from ponder.generators.base import Generator
from ponder.strategies.base import Run
from ponder.strategies.judging import NoRoom, entrants, judged_result, match, most_voted, sample_all
from ponder.types import Result


async def knockout(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    await sample_all(run)
    field = entrants(run.candidates)
    if not field:
        return judged_result(run, None, "")
    rounds = 0
    try:
        while len(field) > 1:
            winners = [await match(run, judge, field[i], field[i + 1]) for i in range(0, len(field) - 1, 2)]
            field = winners + field[len(field) - len(field) % 2:]
            rounds += 1
    except NoRoom:
        return judged_result(run, most_voted(field), f"the most voted of {len(field)} left when the budget ran out")
    return judged_result(run, field[0], f"won the knockout ({rounds} round(s))")
