"""A model of an opponent learned from the hands seen: per information set it acts in, counts of its actions
with a prior (a Dirichlet's pseudo-counts spread as the prior policy).

A player sees only its own view of a hand (`rules/poker.py`): its information state at the end, what it won or lost
and, at a showdown, the cards. When the cards were shown and the model reads them (`showdowns`), the hand's
history is known and its opponent actions are counted once. Otherwise — a fold, or a model that reads only results
(OpenSpiel's own view: no card at showdown, the payoff tells who won) — the opponent's hidden cards are not
known, so the hand is attributed over the histories consistent with that view, weighed by their chance
probability times the current model's probability of the opponent's actions on them (a posterior over its cards;
one expectation step of EM per hand). Every history's opponent actions add that weight to their counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ponder.games.rules.openspiel import load
from ponder.games.rules.poker import View
from ponder.games.rules.tree import GameTree


@dataclass(frozen=True)
class Ending:
    """One terminal history: its chance probability and each seat's actions on it as (infoset, slot) cells."""

    chance: float
    actions: tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class Endings:
    """Every terminal history of a game, indexed by what each seat sees of it."""

    endings: tuple[Ending, ...]
    by_view: tuple[dict[tuple[str, float], tuple[int, ...]], dict[tuple[str, float], tuple[int, ...]]]  # (infostate, return)
    by_history: dict[str, int]  # the full history of each ending


def endings(tree: GameTree) -> Endings:
    """All terminal histories of the tree's game (one walk of the game; Leduc: ~5,000)."""
    game = load(tree.game)
    index = {key: i for i, key in enumerate(tree.infoset_keys)}
    found: list[Ending] = []
    views: tuple[dict, dict] = (defaultdict(list), defaultdict(list))
    histories: dict[str, int] = {}
    stack = [(game.new_initial_state(), 1.0, ((), ()))]
    while stack:
        state, chance, actions = stack.pop()
        if state.is_terminal():
            for seat in (0, 1):
                views[seat][state.information_state_string(seat), float(state.returns()[seat])].append(len(found))
            histories[state.history_str()] = len(found)
            found.append(Ending(chance, actions))
            continue
        if state.is_chance_node():
            stack.extend((state.child(a), chance * p, actions) for a, p in state.chance_outcomes())
            continue
        seat = state.current_player()
        infoset = index[state.information_state_string(seat)]
        for slot, action in enumerate(tree.actions[infoset]):
            cells = list(actions)
            cells[seat] = actions[seat] + ((infoset, slot),)
            stack.append((state.child(action), chance, (cells[0], cells[1])))
    return Endings(tuple(found), tuple({k: tuple(v) for k, v in seat_views.items()} for seat_views in views), histories)  # type: ignore[arg-type]


class OpponentModel:
    """Counts of the opponent's actions per information set, from the hands seen, with a prior."""

    def __init__(self, tree: GameTree, ends: Endings, prior: np.ndarray, strength: float, showdowns: bool = False):
        self.tree = tree
        self.ends = ends
        self.prior = prior  # the prior's policy (rows of both seats)
        self.strength = strength  # its weight in hands' worth of observations at each information set
        self.showdowns = showdowns  # read the cards shown at a showdown (else only the result)
        self.counts = np.zeros(tree.legal.shape)
        self.hands = 0

    def policy(self) -> np.ndarray:
        """The posterior mean: (counts + strength * prior) / (seen + strength), row by row."""
        seen = self.counts.sum(axis=1, keepdims=True)
        return (self.counts + self.strength * self.prior) / (seen + self.strength)

    def observe(self, view: View, seat: int) -> None:
        """Learn from one hand in which the modeller sat in `seat` and saw `view`."""
        state, payoff, shown = view
        if shown and self.showdowns:
            if shown not in self.ends.by_history:
                raise ValueError(f"no history of {self.tree.game} is {shown!r}")
            candidates: tuple[int, ...] = (self.ends.by_history[shown],)
        else:
            candidates = self.ends.by_view[seat].get((state, payoff), ())
        if not candidates:
            raise ValueError(f"no history of {self.tree.game} ends in view {view!r} for seat {seat}")
        opponent = 1 - seat
        model = self.policy()
        weights = np.array([
            self.ends.endings[i].chance * np.prod([model[cell] for cell in self.ends.endings[i].actions[opponent]])
            for i in candidates
        ])
        if weights.sum() <= 0:  # the model rules every history out (it cannot while the prior is positive)
            weights = np.ones(len(candidates))
        weights /= weights.sum()
        for weight, i in zip(weights, candidates):
            for cell in self.ends.endings[i].actions[opponent]:
                self.counts[cell] += weight
        self.hands += 1
