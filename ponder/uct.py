"""UCT, the selection rule both tree searches use: over game moves (`games.solvers.mcts`) and over
reasoning steps (`strategies.step_mcts`)."""

from __future__ import annotations

import math


def uct(mean: float, visits: int, parent_visits: int, exploration: float) -> float:
    """The UCB1 score of a child (Kocsis & Szepesvári 2006, "Bandit based Monte-Carlo Planning"):
    its mean value plus an exploration bonus that shrinks as it is visited.

    >>> round(uct(0.5, 1, 1, 1.0), 3), round(uct(0.5, 4, 16, 1.0), 3)
    (0.5, 1.333)
    """
    return mean + exploration * math.sqrt(math.log(parent_visits) / visits)
