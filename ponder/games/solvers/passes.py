"""Vectorised passes over a flattened game tree: reach probabilities top-down, values bottom-up, and the
exact best response (Johanson et al. 2011, "Accelerating Best Response Calculation in Large Extensive
Games": one pass, maximising at the responder's information sets over counterfactual values).

A policy is a [num_infosets, width] array of action probabilities (rows of both players together).
"""

from __future__ import annotations

import numpy as np

from ponder.games.rules.tree import GameTree


def edge_probability(tree: GameTree, policy: np.ndarray, depth: int) -> np.ndarray:
    level = tree.levels[depth]
    acting = level.infoset >= 0
    probability = level.chance.copy()
    probability[acting] = policy[level.infoset[acting], level.slot[acting]]
    return probability


def reach(tree: GameTree, policy: np.ndarray, *, skip_player: int | None = None) -> np.ndarray:
    """[num_nodes] probability of reaching each node (chance included); `skip_player`'s own actions
    count as 1 (the counterfactual reach that player's regrets and best responses weigh by)."""
    reached = np.zeros(tree.num_nodes)
    reached[0] = 1.0
    for depth, level in enumerate(tree.levels):
        probability = edge_probability(tree, policy, depth)
        if skip_player is not None:
            probability[level.player == skip_player] = 1.0
        reached[level.child] = reached[level.parent] * probability
    return reached


def values(tree: GameTree, policy: np.ndarray) -> np.ndarray:
    """[num_nodes] player 0's expected payoff from each node when both play `policy`."""
    value = tree.utility.copy()
    for depth in reversed(range(len(tree.levels))):
        level = tree.levels[depth]
        value += np.bincount(level.parent, edge_probability(tree, policy, depth) * value[level.child], minlength=tree.num_nodes)
    return value


def game_value(tree: GameTree, policy: np.ndarray) -> float:
    """Player 0's expected payoff (player 1's is minus it)."""
    return float(values(tree, policy)[0])


def best_response(tree: GameTree, policy: np.ndarray, player: int) -> tuple[float, np.ndarray]:
    """What `player` earns by best-responding to the other player's part of `policy`, and the policy that does
    it: `policy` with `player`'s rows replaced by a pure best response (ties to the first action)."""
    sign = 1.0 if player == 0 else -1.0
    opponents = reach(tree, policy, skip_player=player)
    value = tree.utility * sign
    width = tree.width
    response = policy.copy()
    for depth in reversed(range(len(tree.levels))):
        level = tree.levels[depth]
        probability = edge_probability(tree, policy, depth)
        mine = level.player == player
        if mine.any():
            cell = level.infoset[mine] * width + level.slot[mine]
            score = np.bincount(cell, opponents[level.parent[mine]] * value[level.child[mine]], minlength=tree.num_infosets * width)
            score = np.where(tree.legal.ravel(), score, -np.inf).reshape(tree.num_infosets, width)
            best = score.argmax(axis=1)
            probability[mine] = (level.slot[mine] == best[level.infoset[mine]]).astype(float)
            rows = np.unique(level.infoset[mine])
            response[rows] = np.eye(width)[best[rows]]
        value += np.bincount(level.parent, probability * value[level.child], minlength=tree.num_nodes)
    return float(value[0]), response


def best_response_value(tree: GameTree, policy: np.ndarray, player: int) -> float:
    """What `player` earns by best-responding to the other player's part of `policy`."""
    return best_response(tree, policy, player)[0]


def exploitability(tree: GameTree, policy: np.ndarray) -> float:
    """NashConv / 2: how much a best responder gains on average over the two seats (0 at equilibrium)."""
    return (best_response_value(tree, policy, 0) + best_response_value(tree, policy, 1)) / 2
