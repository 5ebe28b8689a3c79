"""Policy-regularized search (piKL; Jacob et al. 2022, "Modeling Strong and Human-Like Gameplay with
KL-Regularized Search", ICML): choose the policy that maximises expected value minus λ·KL to an
anchor policy. Its closed form is π(a) ∝ τ(a)·exp(Q(a)/λ): λ → 0 is pure search (argmax Q over the
anchor's support), λ → ∞ is the anchor itself. Q comes from MCTS under a search budget; the anchor is
any player's move distribution (random, another search, an LLM's). The player is players/pikl.py."""

from __future__ import annotations

import math


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
