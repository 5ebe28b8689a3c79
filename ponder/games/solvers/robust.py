"""Safe exploitation: a response to a model of the opponent that bounds its own risk.

A data-biased response (Johanson & Bowling 2009, "Data Biased Robust Counter Strategies", AISTATS) solves a
modified game in which, at each of the opponent's information sets I, the opponent is forced to play the model's
action probabilities with probability conf(I) and plays freely (adversarially) otherwise. The responder's part of
the equilibrium of that game exploits the model where the model is trusted and stays safe where it is not. With
conf = 1 everywhere it is a best response to the model; with conf = 0 it is an equilibrium (Nash) strategy. (The
restricted Nash response of Johanson, Zinkevich & Bowling 2007 is the special case of one conf for the whole game.)

Solved with CFR+ on the flattened tree: the constrained player's played policy is conf * model + (1 - conf) *
its regret-matching policy, whose regrets are taken against its own value (`CFRPlus.free`).
"""

from __future__ import annotations

import numpy as np

from ponder.games.rules.tree import GameTree
from ponder.games.solvers.cfr import CFRPlus
from ponder.games.solvers.passes import best_response


class ConstrainedCFR(CFRPlus):
    """CFR+ in which the rows of `model` with confidence c > 0 are played as c * model + (1 - c) * free."""

    def __init__(self, tree: GameTree, model: np.ndarray, confidence: np.ndarray):
        super().__init__(tree)
        self.model = model
        self.confidence = confidence[:, None]

    def current(self) -> np.ndarray:
        return self.confidence * self.model + (1.0 - self.confidence) * self.free()


class RestrictedNashCFR(CFRPlus):
    """CFR+ for a restricted Nash response (Johanson, Zinkevich & Bowling 2007, "Computing Robust Counter-Strategies"):
    before the game the opponent is, with probability `p`, fixed to `model` for the whole game, and free otherwise; the
    responder (seat `responder`) cannot tell which. Its counterfactual values are the p-weighted sum of its values in
    the two worlds; the free opponent's regrets are its own world's. Unlike the data-biased game, the mixture is over
    whole strategies, not at each information set."""

    def __init__(self, tree: GameTree, model: np.ndarray, p: float, responder: int):
        super().__init__(tree)
        self.model = model
        self.p = p
        self.responder = responder

    def counterfactual(self, player: int) -> tuple[np.ndarray, np.ndarray]:
        played = self.current()
        if player != self.responder or self.p <= 0.0:
            return self.counterfactual_under(played, player)
        fixed = played.copy()
        theirs = self.tree.infoset_player != player
        fixed[theirs] = self.model[theirs]
        against_free, own = self.counterfactual_under(played, player)
        against_model, _ = self.counterfactual_under(fixed, player)
        return self.p * against_model + (1.0 - self.p) * against_free, own


def restricted_nash_response(tree: GameTree, model: np.ndarray, p: float, iterations: int) -> np.ndarray:
    """The responder's policy in both seats (the average of `iterations` of CFR+ per seat) against an opponent
    fixed to `model` with probability `p`: p = 0 is an equilibrium strategy, p = 1 a best response to the model. Its
    theorem: no strategy earns more against the model for the same exploitability, so over p these trace the
    best trade-off there is between exploiting a known opponent and being exploitable."""
    policy = model.copy()
    for seat in (0, 1):
        solver = RestrictedNashCFR(tree, model, p, seat)
        solver.iterate(iterations)
        mine = tree.infoset_player == seat
        policy[mine] = solver.average()[mine]
    return policy


def confidence(counts: np.ndarray, safety: float, scale: float) -> np.ndarray:
    """Per information set, how far the model of it is trusted: (1 - safety) * n / (n + safety * scale), with n the
    (fractional) times the opponent was seen acting there. The trust never exceeds 1 - safety (as in a restricted
    Nash response with p = 1 - safety, which bounds how exploitable the response can be) and, as in a data-biased
    response, is 0 where nothing was seen and grows with the observations (safety * scale of them for half of it):
    the prior alone is never exploited. safety = 0 trusts the model everywhere (a best response to it, the prior
    included); safety = 1 never does (an equilibrium strategy).

    >>> confidence(np.array([[0.0, 0.0], [5.0, 5.0], [60.0, 40.0]]), 0.5, 10.0).round(3).tolist()
    [0.0, 0.333, 0.476]
    >>> confidence(np.zeros((1, 2)), 0.0, 10.0).tolist(), confidence(np.ones((1, 2)), 1.0, 10.0).tolist()
    ([1.0], [0.0])
    """
    if safety <= 0.0:
        return np.ones(len(counts))
    seen = counts.sum(axis=1)
    return (1.0 - safety) * seen / (seen + safety * scale)


def data_biased_response(tree: GameTree, model: np.ndarray, trust: np.ndarray, iterations: int) -> np.ndarray:
    """The responder's policy in both seats against an opponent modelled by `model` (rows of both seats: the
    opponent plays both in turn) trusted as far as `trust` (one value per information set). Seat 0's rows are
    solved against the opponent in seat 1 and seat 1's against it in seat 0; a best response when trust is 1
    everywhere (exact, by one pass), else `iterations` of constrained CFR+ per seat (the average policy)."""
    policy = model.copy()
    for seat in (0, 1):
        mine = tree.infoset_player == seat
        if np.all(trust[~mine] >= 1.0):
            _, response = best_response(tree, model, seat)
        else:
            solver = ConstrainedCFR(tree, model, np.where(mine, 0.0, trust))
            solver.iterate(iterations)
            response = solver.average()
        policy[mine] = response[mine]
    return policy
