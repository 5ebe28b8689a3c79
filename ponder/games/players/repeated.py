"""Fixed strategies for iterated games (`style:NAME` in OpenSpiel's `repeated_game`, e.g. the prisoner's dilemma):
`always_cooperate`, `always_defect`, `tit_for_tat` (cooperate first, then copy the opponent's last move) and `grim`
(cooperate until the opponent defects once, then defect for ever). Cooperation is the stage game's first action
(Cooperate in `matrix_pd`), defection its second (Axelrod 1984, "The Evolution of Cooperation").
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pyspiel

from ponder.games.players.base import Move

STYLES = ("always_cooperate", "always_defect", "tit_for_tat", "grim")
COOPERATE, DEFECT = 0, 1


def opponent_moves(state: pyspiel.State, player: int) -> list[int]:
    """The other player's actions so far, round by round (a two-player repeated game's history is joint actions)."""
    history = state.history()
    return history[1 - player :: 2]


def choose(style: str, theirs: list[int]) -> int:
    """
    >>> choose("tit_for_tat", []), choose("tit_for_tat", [0, 1]), choose("grim", [1, 0, 0]), choose("always_defect", [])
    (0, 1, 1, 1)
    """
    if style == "always_cooperate":
        return COOPERATE
    if style == "always_defect":
        return DEFECT
    if style == "tit_for_tat":
        return theirs[-1] if theirs else COOPERATE
    return DEFECT if DEFECT in theirs else COOPERATE  # grim


@dataclass(frozen=True)
class RepeatedStyle:
    style: str
    name: str

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        return Move(choose(self.style, opponent_moves(state, player)))

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        return {choose(self.style, opponent_moves(state, player)): 1.0}
