"""CFR+ for two-player zero-sum imperfect-information games, vectorised over the flattened tree.

Tammelin 2014, "Solving Large Imperfect Information Games Using CFR+": regret matching+ (cumulative
regrets clipped at zero), alternating updates, and a linearly weighted average policy (iteration t
weighs t), which is what converges. Each iteration is, per player, one top-down pass for reach
probabilities and one bottom-up pass for values and regrets — a few numpy operations per tree level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ponder.budget import SearchBudget, SearchLimits
from ponder.games.solvers.passes import edge_probability, reach
from ponder.games.rules.tree import GameTree


def regret_matching_plus(regrets: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """The policy proportional to positive regrets; uniform over legal actions where none is positive.

    >>> regret_matching_plus(np.array([[1.0, 3.0], [0.0, 0.0]]), np.ones((2, 2), bool)).tolist()
    [[0.25, 0.75], [0.5, 0.5]]
    """
    positive = np.where(legal, np.maximum(regrets, 0.0), 0.0)
    total = positive.sum(axis=1, keepdims=True)
    uniform = legal / legal.sum(axis=1, keepdims=True)
    return np.where(total > 0, positive / np.where(total > 0, total, 1.0), uniform)


@dataclass(frozen=True)
class Solution:
    average: np.ndarray  # the average policy (what converges to equilibrium)
    iterations: int
    seconds: float


class CFRPlus:
    """The solver's state: cumulative regrets and the weighted policy sum."""

    def __init__(self, tree: GameTree):
        self.tree = tree
        self.regrets = np.zeros(tree.legal.shape)
        self.policy_sum = np.zeros(tree.legal.shape)
        self.iterations = 0
        width = tree.width
        self._cells = [level.infoset * width + level.slot for level in tree.levels]

    def current(self) -> np.ndarray:
        """The policy played this iteration (reach probabilities and values are taken under it)."""
        return self.free()

    def free(self) -> np.ndarray:
        """The regret-matching+ policy, whose regrets are measured against its own value."""
        return regret_matching_plus(self.regrets, self.tree.legal)

    def average(self) -> np.ndarray:
        total = self.policy_sum.sum(axis=1, keepdims=True)
        uniform = self.tree.legal / self.tree.legal.sum(axis=1, keepdims=True)
        return np.where(total > 0, self.policy_sum / np.where(total > 0, total, 1.0), uniform)

    def counterfactual(self, player: int) -> tuple[np.ndarray, np.ndarray]:
        """`player`'s counterfactual value of each (infoset, action) under the policy played this iteration, and its
        own reach of each (for the average policy)."""
        return self.counterfactual_under(self.current(), player)

    def counterfactual_under(self, policy: np.ndarray, player: int) -> tuple[np.ndarray, np.ndarray]:
        tree = self.tree
        opponents = reach(tree, policy, skip_player=player)
        own = reach(tree, policy, skip_player=1 - player)
        sign = 1.0 if player == 0 else -1.0
        value = tree.utility * sign
        cells = tree.num_infosets * tree.width
        counterfactual = np.zeros(cells)  # per (infoset, action): the value of taking it, weighed by the others' reach
        policy_sum = np.zeros(cells)
        for depth in reversed(range(len(tree.levels))):
            level = tree.levels[depth]
            probability = edge_probability(tree, policy, depth)
            child_value = value[level.child]
            value += np.bincount(level.parent, probability * child_value, minlength=tree.num_nodes)
            mine = level.player == player
            if mine.any():
                parent = level.parent[mine]
                cell = self._cells[depth][mine]
                counterfactual += np.bincount(cell, opponents[parent] * child_value[mine], minlength=cells)
                # own reach times chance: summed over an infoset's histories this is the player's reach
                # times a constant of the infoset, which the average's normalisation removes
                policy_sum += np.bincount(cell, own[parent] * probability[mine], minlength=cells)
        return counterfactual.reshape(self.regrets.shape), policy_sum.reshape(self.policy_sum.shape)

    def _update(self, player: int, weight: float) -> None:
        counterfactual, policy_sum = self.counterfactual(player)
        tree = self.tree
        # regret of each action against the free policy's value (= the played policy's, unless constrained)
        regret = counterfactual - (self.free() * counterfactual).sum(axis=1, keepdims=True)
        self.regrets = np.maximum(self.regrets + np.where(tree.legal, regret, 0.0), 0.0)
        self.policy_sum += weight * policy_sum

    def iterate(self, count: int = 1) -> None:
        for _ in range(count):
            self.iterations += 1
            for player in (0, 1):
                self._update(player, float(self.iterations))


def run_cfr_plus(
    tree: GameTree,
    budget: SearchBudget | int,
    *,
    on_progress: Callable[[int], None] = lambda done: None,
    chunk: int = 50,
) -> Solution:
    """Run CFR+ iterations while the budget grants them (one step each; an int means that many
    iterations); `on_progress(done)` after every `chunk` of them."""
    if isinstance(budget, int):
        budget = SearchBudget(SearchLimits(steps=budget))
    solver = CFRPlus(tree)
    while budget.charge():
        solver.iterate()
        if solver.iterations % chunk == 0:
            on_progress(solver.iterations)
    on_progress(solver.iterations)
    return Solution(solver.average(), solver.iterations, budget.elapsed())
