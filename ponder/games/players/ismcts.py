"""Search where the state is hidden: information-set MCTS (Cowling, Powley & Whitehouse 2012, "Information Set
Monte Carlo Tree Search"), OpenSpiel's `ISMCTSBot` with random rollouts. Each move samples worlds consistent
with what the player has seen and searches them within its simulations; seeded from the move's RNG."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
import pyspiel

from ponder.games.players.base import Move


@dataclass(frozen=True)
class ISMCTSPlayer:
    game: pyspiel.Game
    simulations: int
    name: str = "ismcts"
    exploration: float = math.sqrt(2)

    def _bot(self, rng: random.Random):
        from open_spiel.python.algorithms import ismcts, mcts

        seed = rng.randrange(2**31)
        evaluator = mcts.RandomRolloutEvaluator(1, np.random.RandomState(seed))
        return ismcts.ISMCTSBot(self.game, evaluator, self.exploration, self.simulations, random_state=np.random.RandomState(seed + 1),
                                allow_inconsistent_action_sets=True)

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        return Move(int(self._bot(rng).step(state)), {"simulations": self.simulations})

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        return {(await self.act(state, player, rng)).action: 1.0}
