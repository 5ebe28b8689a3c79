"""Policy-regularized search (piKL; Jacob et al. 2022, "Modeling Strong and Human-Like Gameplay with
KL-Regularized Search", ICML): choose the policy that maximises expected value minus λ·KL to an
anchor policy. Its closed form is π(a) ∝ τ(a)·exp(Q(a)/λ): λ → 0 is pure search (argmax Q over the
anchor's support), λ → ∞ is the anchor itself. Q comes from MCTS under a search budget; the anchor is
any player's move distribution (random, another search, an LLM's)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pyspiel

from ponder.budget import SearchBudget, SearchLimits
from ponder.games.mcts import search
from ponder.games.players import Move, Player, sample


def regularized_policy(values: dict[int, float], anchor: dict[int, float], lam: float) -> dict[int, float]:
    """argmax over π of Σ π(a)·Q(a) − λ·KL(π‖τ), i.e. τ(a)·exp(Q(a)/λ) normalised (λ = 0: the best
    actions the anchor allows, equally).

    >>> regularized_policy({0: 1.0, 1: 0.0}, {0: 0.5, 1: 0.5}, 1.0)[0] == math.e / (math.e + 1)
    True
    """
    support = [a for a in values if anchor.get(a, 0.0) > 0.0]
    if not support:
        raise ValueError("the anchor gives no probability to any legal action")
    if lam == 0:
        top = max(values[a] for a in support)
        best = [a for a in support if values[a] == top]
        return {a: (1.0 / len(best) if a in best else 0.0) for a in values}
    logits = {a: math.log(anchor[a]) + values[a] / lam for a in support}
    peak = max(logits.values())
    weights = {a: math.exp(logit - peak) for a, logit in logits.items()}
    total = sum(weights.values())
    return {a: weights.get(a, 0.0) / total for a in values}


def kl_divergence(policy: dict[int, float], anchor: dict[int, float]) -> float:
    return sum(p * math.log(p / anchor[a]) for a, p in policy.items() if p > 0)


def smoothed(distribution: dict[int, float], legal: list[int], epsilon: float) -> dict[int, float]:
    """Mix in `epsilon` of uniform so every legal move keeps some anchor probability."""
    return {a: (1 - epsilon) * distribution.get(a, 0.0) + epsilon / len(legal) for a in legal}


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
