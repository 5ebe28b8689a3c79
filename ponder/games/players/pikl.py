"""The piKL player: MCTS values regularized toward an anchor player's move distribution
(Jacob et al. 2022; the closed form is in solvers/pikl.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pyspiel

from ponder.budget import SearchBudget, SearchLimits
from ponder.games.players.base import Move, Player, sample
from ponder.games.solvers.mcts import search
from ponder.games.solvers.pikl import kl_divergence, regularized_policy, smoothed


@dataclass
class PiKLPlayer:
    """Samples its move from the regularized policy; Q from MCTS within `limits` per move."""

    limits: SearchLimits
    anchor: Player
    lam: float
    name: str = "pikl"
    epsilon: float = 0.01  # anchor smoothing

    async def _policy(self, state: pyspiel.State, player: int, rng: random.Random) -> tuple[dict[int, float], dict, dict]:
        decision = search(state, SearchBudget(self.limits), rng, stop_when_proven=False)
        legal = state.legal_actions(player)
        game = state.get_game()
        neutral = (game.min_utility() + game.max_utility()) / 2  # for moves search never tried (it may stop once it proves a win)
        values = {a: decision.values.get(a, neutral) for a in legal}
        anchor = smoothed(await self.anchor.distribution(state, player, rng), legal, self.epsilon)
        policy = regularized_policy(values, anchor, self.lam)
        info = {"simulations": decision.simulations, "seconds": round(decision.seconds, 6), "kl_to_anchor": round(kl_divergence(policy, anchor), 6)}
        return policy, anchor, info

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        policy, anchor, info = await self._policy(state, player, rng)
        action = sample(policy, rng)
        return Move(action, {**info, "anchor_probability": round(anchor[action], 6)})

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        return (await self._policy(state, player, rng))[0]
