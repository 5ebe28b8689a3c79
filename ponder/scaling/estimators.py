"""Estimators of accuracy at k samples from one pool of n samples per problem: pure functions.

Sample once, estimate every budget: with n samples drawn per problem, the expected accuracy of a
strategy that would have drawn only k <= n samples is its average over all size-k subsets of the pool,
computed here exactly (no resampling noise).

- pass@k, the unbiased, numerically stable estimator of Chen et al. 2021 ("Evaluating Large Language
  Models Trained on Code", eq. 1 and its product form).
- bon@k: best-of-k by verifier score with random tie-breaking, in closed form over score levels.
- maj@k: majority vote over final answers (Wang et al. 2022) with random tie-breaking, by dynamic
  programming over answer classes (multivariate hypergeometric counts).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from math import comb
from typing import Hashable, Sequence

import numpy as np


def _check(n: int, k: int) -> None:
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and n={n}, got {k}")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples, drawn without replacement from n of which c are
    correct, is correct: 1 - C(n-c, k) / C(n, k), computed as a stable product.

    >>> pass_at_k(10, 0, 3), pass_at_k(10, 10, 1), round(pass_at_k(10, 3, 2), 6)
    (0.0, 1.0, 0.533333)
    """
    _check(n, k)
    if not 0 <= c <= n:
        raise ValueError(f"c must be between 0 and n={n}, got {c}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def bon_at_k(scores: Sequence[float], correct: Sequence[bool], k: int) -> float:
    """Expected correctness of the highest-scored of k samples drawn without replacement, ties broken
    uniformly at random.

    The top score level present in the subset is level j with probability
    (C(below_j + size_j, k) - C(below_j, k)) / C(n, k); given that, the pick is uniform over level j's
    samples, so it is correct with probability correct_j / size_j.

    >>> bon_at_k([0.9, 0.1, 0.5], [True, False, False], 1)
    0.3333333333333333
    """
    n = len(scores)
    _check(n, k)
    levels: dict[float, list[int]] = {}
    for score, ok in zip(scores, correct):
        level = levels.setdefault(score, [0, 0])
        level[0] += 1
        level[1] += bool(ok)
    total = Fraction(0)
    below = 0
    for score in sorted(levels):
        size, right = levels[score]
        chance = Fraction(comb(below + size, k) - comb(below, k), comb(n, k))
        total += chance * Fraction(right, size)
        below += size
    return float(total)


def maj_at_k(answers: Sequence[Hashable | None], correct: Sequence[bool], k: int) -> float:
    """Expected correctness of the majority answer among k samples drawn without replacement.
    Unparsable answers (None) do not vote; ties are broken uniformly at random; no votes at all is wrong.

    For each correct answer class a and each count x it could get, count the ways the other k - x draws
    keep every other class at most x, weighting each way by 1 / (1 + number of classes tied at x).

    >>> maj_at_k(["7", "7", "3"], [True, True, False], 1)
    0.6666666666666666
    >>> maj_at_k(["7", "3"], [True, False], 2)  # a tie, broken at random
    0.5
    """
    n = len(answers)
    _check(n, k)
    counts = Counter(a for a in answers if a is not None)
    unparsable = n - sum(counts.values())
    right = {a for a, ok in zip(answers, correct) if a is not None and ok}
    total = Fraction(0)
    for winner in right:
        others = [m for a, m in counts.items() if a != winner]
        for x in range(1, min(k, counts[winner]) + 1):
            total += comb(counts[winner], x) * _ways_below(others, unparsable, k - x, x)
    return float(total / comb(n, k))


def _ways_below(others: list[int], unparsable: int, draws: int, cap: int) -> Fraction:
    """Sum over ways to draw `draws` items from the other classes (each at most `cap`) and the
    unparsable ones, of 1 / (1 + classes tied at `cap`)."""
    # ways[d][t]: ways to draw d items so far with t classes tied at the cap
    ways: list[list[int]] = [[0] * (draws // cap + 2) for _ in range(draws + 1)]
    ways[0][0] = 1
    for size in others:
        new = [[0] * len(ways[0]) for _ in range(draws + 1)]
        for d, row in enumerate(ways):
            for t, count in enumerate(row):
                if count:
                    for y in range(min(size, cap, draws - d) + 1):
                        new[d + y][t + (y == cap)] += count * comb(size, y)
        ways = new
    result = Fraction(0)
    for d, row in enumerate(ways):
        rest = comb(unparsable, draws - d)
        if rest:
            for t, count in enumerate(row):
                if count:
                    result += Fraction(count * rest, 1 + t)
    return result


def bootstrap_ci(
    values: Sequence[float], rng: np.random.Generator, resamples: int = 2000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean over problems (Efron 1979).

    >>> bootstrap_ci([1.0] * 5, np.random.default_rng(0))
    (1.0, 1.0)
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("no values to bootstrap")
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))
