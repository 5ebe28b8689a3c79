"""A round robin: every pair of distinct answers is judged in both orders, and the answers are rated by
Bradley–Terry from all the verdicts (`ponder.ratings`, the arena's ratings: Bradley & Terry 1952, fitted by
Hunter 2004's MM algorithm, with one virtual draw per pair); the top rated wins, ties to the more voted.
N(N-1) questions for N distinct answers. Anytime: out of budget, rated on the verdicts so far."""

from __future__ import annotations

import itertools

from ponder.generators.base import Generator
from ponder.ratings import fit
from ponder.strategies.base import Run
from ponder.strategies.judging import NoRoom, entrants, judged_order, judged_result, most_voted, sample_all
from ponder.types import Result

import numpy as np


async def round_robin(run: Run, judge: Generator | None = None) -> Result:
    judge = judge or run.generator
    await sample_all(run)
    field = entrants(run.candidates)
    if not field:
        return judged_result(run, None, "")
    wins = np.zeros((len(field), len(field)))
    games = np.zeros((len(field), len(field)))
    asked = 0
    try:
        for i, j in itertools.permutations(range(len(field)), 2):
            picked = await judged_order(run, judge, field[i], field[j])
            asked += 1
            winner = None if picked is None else (i if picked is field[i] else j)
            games[i, j] += 1
            games[j, i] += 1
            if winner is None:  # no verdict: half a win each
                wins[i, j] += 0.5
                wins[j, i] += 0.5
            else:
                wins[winner, j if winner == i else i] += 1
    except NoRoom:
        pass
    if len(field) == 1 or not asked:
        return judged_result(run, most_voted(field), "the most voted (nothing judged)" if len(field) > 1 else "the only answer")
    elo = fit(wins, games, prior=1.0)
    top = float(elo.max())
    best = most_voted([e for e, rating in zip(field, elo) if rating >= top - 1e-6])
    return judged_result(run, best, f"top Bradley–Terry rating after {asked} verdict(s)")
