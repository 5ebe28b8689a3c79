"""Accuracy-vs-compute curves from one pool of samples per problem: pure functions.

Every strategy that only chooses among independent samples (those whose registry spec has a pool
estimate: single, best_of_n, majority, weighted_majority) is estimated at every k <= n from the same
pool, so a whole curve costs n samples per problem. single, best_of_n, majority and coverage (pass@k)
are exact expectations over size-k subsets (see estimators.py); weighted_majority has no closed form
here and is averaged over seeded random subsets (`resamples` per problem and k), which a report must say.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ponder.scaling.estimators import bon_at_k, bootstrap_ci, maj_at_k, pass_at_k
from ponder.lazy import resolve
from ponder.strategies.registry import SPECS, get_spec
from ponder.strategies.voting import tally, vote_key, winner

COVERAGE = "pass_at_k"


@dataclass(frozen=True)
class Sample:
    """One generated sample of one problem, as a sweep stores it."""

    problem_id: str
    sample_index: int
    answer: str | None
    correct: bool
    score: float | None  # verifier score; None when not verified
    prompt_tokens: int
    completion_tokens: int
    verifier_tokens: int


@dataclass(frozen=True)
class CurvePoint:
    strategy: str
    candidates: int
    mean_tokens: float  # generated tokens per problem at this budget (verifier tokens when it verifies)
    accuracy: float
    ci_low: float
    ci_high: float


def budgets(n: int) -> list[int]:
    """Powers of two up to n, and n itself.

    >>> budgets(20)
    [1, 2, 4, 8, 16, 20]
    """
    ks = [1 << i for i in range(n.bit_length()) if 1 << i <= n]
    return ks if ks[-1] == n else ks + [n]


def weighted_maj_at_k(
    answers: Sequence[str | None], scores: Sequence[float], correct: Sequence[bool], k: int, rng: np.random.Generator, resamples: int = 500
) -> float:
    """Weighted majority over k samples without replacement, averaged over seeded random subsets."""
    n = len(answers)
    right = {vote_key(a) for a, ok in zip(answers, correct) if a is not None and ok}
    hits = 0
    for _ in range(resamples):
        chosen = rng.choice(n, size=k, replace=False)
        leader = winner(tally((answers[i] for i in chosen), (scores[i] for i in chosen)))
        hits += leader in right
    return hits / resamples


@dataclass(frozen=True)
class Pool:
    """One problem's samples as the pool estimators read them."""

    answers: tuple[str | None, ...]  # vote keys of the extracted answers
    scores: tuple[float, ...]  # verifier scores (0 when not verified)
    correct: tuple[bool, ...]

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Pool:
        return cls(
            tuple(vote_key(s.answer) if s.answer is not None else None for s in samples),
            tuple(s.score if s.score is not None else 0.0 for s in samples),
            tuple(s.correct for s in samples),
        )


def single_value(pool: Pool, k: int, rng: np.random.Generator) -> float:
    return sum(pool.correct) / len(pool.correct)


def best_of_k_value(pool: Pool, k: int, rng: np.random.Generator) -> float:
    return bon_at_k(pool.scores, pool.correct, k)


def majority_value(pool: Pool, k: int, rng: np.random.Generator) -> float:
    return maj_at_k(pool.answers, pool.correct, k)


def weighted_majority_value(pool: Pool, k: int, rng: np.random.Generator) -> float:
    return weighted_maj_at_k(pool.answers, pool.scores, pool.correct, k, rng)


def pooled(strategy: str) -> bool:
    """Whether a strategy is estimated from the sample pool (else it is run once per budget)."""
    return strategy in SPECS and SPECS[strategy].pool is not None


def pool_budgets(strategy: str, ks: Sequence[int]) -> list[int]:
    """The budgets at which a pool strategy has a point (a single sample has only k = 1)."""
    spec = SPECS.get(strategy)
    return [1] if spec is not None and spec.pool is not None and spec.pool.budgets == "one" else list(ks)


def charges_verifier(strategy: str) -> bool:
    """Whether a strategy's compute includes the verifier's tokens."""
    return strategy in SPECS and SPECS[strategy].uses_verifier


def problem_value(strategy: str, pool: Pool, k: int, rng: np.random.Generator) -> float:
    """Expected correctness on one problem of `strategy` with k samples drawn from its pool."""
    if strategy == COVERAGE:
        return pass_at_k(len(pool.correct), sum(pool.correct), k)
    estimate = get_spec(strategy).pool
    if estimate is None:
        raise ValueError(f"{strategy!r} cannot be estimated from a sample pool; run it per budget")
    return resolve(estimate.function)(pool, k, rng)


def curves(
    samples: Sequence[Sample], strategies: Sequence[str], rng: np.random.Generator, ks: Sequence[int] | None = None
) -> list[CurvePoint]:
    """One point per (strategy, k), plus coverage; k runs over `ks` (default: budgets of the
    smallest pool). Confidence intervals are bootstrapped over problems."""
    pools: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        pools[sample.problem_id].append(sample)
    if not pools:
        raise ValueError("no samples")
    n = min(len(pool) for pool in pools.values())
    ks = list(ks) if ks is not None else budgets(n)
    if max(ks) > n:
        raise ValueError(f"k={max(ks)} needs more samples than the smallest pool has ({n})")
    views = [Pool.of(pool[:n]) for pool in pools.values()]
    points = []
    for strategy in [*strategies, COVERAGE]:
        verified = charges_verifier(strategy)
        for k in pool_budgets(strategy, ks):
            values = [problem_value(strategy, view, k, rng) for view in views]
            tokens = [k * np.mean([s.completion_tokens + (s.verifier_tokens if verified else 0) for s in pool[:n]]) for pool in pools.values()]
            low, high = bootstrap_ci(values, rng)
            points.append(CurvePoint(strategy, k, float(np.mean(tokens)), float(np.mean(values)), low, high))
    return points
