"""The uniform random player: every legal move equally likely (the baseline every rating starts from)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pyspiel

from ponder.games.players.base import Move


@dataclass
class RandomPlayer:
    """Uniform over legal moves."""

    name: str = "random"

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        return Move(rng.choice(state.legal_actions(player)))

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        legal = state.legal_actions(player)
        return {a: 1.0 / len(legal) for a in legal}
