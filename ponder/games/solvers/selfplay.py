"""Self-play outside two-player zero-sum games: where it settles, and what its conventions are worth.

Both players of a two-player matrix game learn by regret matching (Hart & Mas-Colell 2000, "A Simple Adaptive
Procedure Leading to Correlated Equilibrium"), each starting from its own seeded random regrets. In zero-sum games
this converges to an equilibrium whose value is unique; in general-sum games the run settles on one convention among
several, which may be the worse one for both (stag hunt: hare) and need not match another run's (coordination:
left or right), so a policy trained in self-play can fail against a partner trained the same way (cross-play;
Hu et al. 2020, "'Other-Play' for Zero-Shot Coordination").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ponder.games.errors import GameError
from ponder.games.rules.openspiel import load


@dataclass(frozen=True)
class SelfPlayRun:
    seed: int
    policies: tuple[np.ndarray, np.ndarray]  # each player's final strategy
    returns: tuple[float, float]  # expected returns when the two play their final strategies


def payoff_tables(game_name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each player's payoff for every joint action of a one-shot two-player simultaneous game, and the row
    player's action names."""
    game = load(game_name)
    state = game.new_initial_state()
    if game.num_players() != 2 or not state.is_simultaneous_node():
        raise GameError(f"{game_name} is not a one-shot two-player matrix game (e.g. matrix_sh, matrix_coordination)")
    rows, columns = state.legal_actions(0), state.legal_actions(1)
    tables = np.zeros((2, len(rows), len(columns)))
    for i, a in enumerate(rows):
        for j, b in enumerate(columns):
            child = game.new_initial_state()
            child.apply_actions([a, b])
            if not child.is_terminal():
                raise GameError(f"{game_name} goes on after one round; self-play here is for one-shot matrix games")
            tables[:, i, j] = child.returns()
    return tables[0], tables[1], [state.action_to_string(0, a) for a in rows]


def regret_matching(a: np.ndarray, b: np.ndarray, iterations: int, seed: int) -> SelfPlayRun:
    """Simultaneous regret matching from random initial regrets; the strategies it ends with."""
    rng = np.random.default_rng(seed)
    regrets = [rng.uniform(0, 1, a.shape[0]), rng.uniform(0, 1, a.shape[1])]

    def strategy(r: np.ndarray) -> np.ndarray:
        positive = np.maximum(r, 0)
        return positive / positive.sum() if positive.sum() > 0 else np.full(len(r), 1 / len(r))

    for _ in range(iterations):
        x, y = strategy(regrets[0]), strategy(regrets[1])
        row_values, column_values = a @ y, x @ b
        regrets[0] += row_values - x @ row_values
        regrets[1] += column_values - column_values @ y
    x, y = strategy(regrets[0]), strategy(regrets[1])
    return SelfPlayRun(seed, (x, y), (float(x @ a @ y), float(x @ b @ y)))


def cross_play(a: np.ndarray, b: np.ndarray, runs: list[SelfPlayRun]) -> np.ndarray:
    """[k, k] the row player's plus the column player's expected return when run i's row player meets run j's
    column player (the diagonal is self-play)."""
    return np.array([[float(r.policies[0] @ (a + b) @ s.policies[1]) for s in runs] for r in runs])
