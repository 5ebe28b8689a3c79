"""The train-vs-test compute exchange rate (Jones 2021, "Scaling scaling laws with board games": on Hex,
each 10x of train compute replaces about 15x of test compute at equal strength), as pure functions.

Input: per checkpoint (its train FLOPs), per held-out problem, n sampled chains, each with its thinking
tokens and whether it was right. A chain right within t thinking tokens is right under any cap L >= t
(budget forcing changes nothing before the cap), and counted wrong under a smaller cap (its forced answer
would be a guess). Test compute at (k chains, cap L) = k x the mean tokens of a chain under cap L, in
FLOPs (2 x parameters per token). Accuracy there = the unbiased pass@k (Chen et al. 2021) of "right
within L". For each checkpoint the frontier is the best accuracy reachable within each test compute; for
each accuracy level the least test compute that reaches it (interpolated in log compute); the fit is
log10 test = a_level - slope x log10 train, one slope shared by every level (least squares). One 10x of
train compute replaces 10^slope x of test compute. The CI resamples problems (bootstrap).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class CheckpointChains:
    name: str
    train_flops: float
    thinking: np.ndarray  # [problems, n] thinking tokens of each chain
    right: np.ndarray  # [problems, n] bool
    answer_tokens: float = 4.0  # mean tokens after the thought (closing text and answer), added to each chain


def pass_at_k(successes: np.ndarray, n: int, k: int) -> np.ndarray:
    """Unbiased pass@k per problem from c successes of n (Chen et al. 2021): 1 - C(n-c, k) / C(n, k).

    >>> pass_at_k(np.array([0, 1, 4]), 4, 2).tolist()
    [0.0, 0.5, 1.0]
    """
    return np.array([1.0 - comb(n - int(c), k) / comb(n, k) for c in successes])


def grid(chains: CheckpointChains, ks: Sequence[int], caps: Sequence[int], parameters: int) -> list[tuple[int, int, float, float]]:
    """(k, cap, test FLOPs per problem, accuracy) for every k x cap."""
    n = chains.right.shape[1]
    points = []
    for cap in caps:
        within = chains.right & (chains.thinking <= cap)
        tokens = float(np.minimum(chains.thinking, cap).mean()) + chains.answer_tokens
        successes = within.sum(axis=1)
        for k in ks:
            if k <= n:
                points.append((k, cap, 2.0 * parameters * k * tokens, float(pass_at_k(successes, n, k).mean())))
    return points


def frontier(points: Sequence[tuple[int, int, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(test FLOPs, best accuracy within them), increasing in both."""
    ordered = sorted(points, key=lambda p: p[2])
    compute, best, top = [], [], -1.0
    for _, _, flops, accuracy in ordered:
        if accuracy > top:
            top = accuracy
            compute.append(flops)
            best.append(accuracy)
    return np.array(compute), np.array(best)


def compute_for(level: float, compute: np.ndarray, accuracy: np.ndarray) -> float | None:
    """The least test compute whose frontier reaches `level` (log-linear between frontier points); None beyond it."""
    if len(accuracy) == 0 or level > accuracy[-1]:
        return None
    if level <= accuracy[0]:
        return float(compute[0]) if level == accuracy[0] else None  # below the cheapest point: not measured
    i = int(np.searchsorted(accuracy, level))
    low, high = np.log10(compute[i - 1]), np.log10(compute[i])
    share = (level - accuracy[i - 1]) / (accuracy[i] - accuracy[i - 1])
    return float(10 ** (low + share * (high - low)))


def iso_points(checkpoints: Sequence[CheckpointChains], levels: Sequence[float], ks, caps, parameters) -> dict[float, list[tuple[float, float]]]:
    """Per accuracy level, (train FLOPs, least test FLOPs) for each checkpoint that reaches it."""
    result: dict[float, list[tuple[float, float]]] = {level: [] for level in levels}
    for chains in checkpoints:
        compute, accuracy = frontier(grid(chains, ks, caps, parameters))
        for level in levels:
            needed = compute_for(level, compute, accuracy)
            if needed is not None:
                result[level].append((chains.train_flops, needed))
    return result


def fit_slope(iso: dict[float, list[tuple[float, float]]]) -> float | None:
    """The shared slope of log10 test compute on -log10 train compute over levels with two or more points
    (each level its own intercept): least squares on the within-level deviations."""
    xs, ys = [], []
    for points in iso.values():
        if len(points) < 2:
            continue
        x = np.log10([p[0] for p in points])
        y = np.log10([p[1] for p in points])
        xs.append(x - x.mean())
        ys.append(y - y.mean())
    if not xs:
        return None
    x, y = np.concatenate(xs), np.concatenate(ys)
    if float((x * x).sum()) == 0.0:
        return None
    return float(-(x * y).sum() / (x * x).sum())


def exchange_rate(checkpoints: Sequence[CheckpointChains], levels, ks, caps, parameters, *, resamples: int = 200,
                  seed: int = 0) -> dict:
    """The slope, the test-compute multiple one 10x of train compute replaces, and 95% bootstrap CIs over problems."""
    iso = iso_points(checkpoints, levels, ks, caps, parameters)
    slope = fit_slope(iso)
    rng = np.random.default_rng(seed)
    problems = checkpoints[0].right.shape[0]
    draws = []
    for _ in range(resamples):
        rows = rng.integers(0, problems, problems)
        resampled = [CheckpointChains(c.name, c.train_flops, c.thinking[rows], c.right[rows], c.answer_tokens) for c in checkpoints]
        value = fit_slope(iso_points(resampled, levels, ks, caps, parameters))
        if value is not None:
            draws.append(value)
    low, high = (float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))) if draws else (None, None)
    return {
        "slope": slope, "slope_ci95": [low, high],
        "test_multiple_per_10x_train": None if slope is None else 10 ** slope,
        "test_multiple_ci95": [None if low is None else 10 ** low, None if high is None else 10 ** high],
        "resamples": len(draws), "iso": {str(level): points for level, points in iso.items()},
    }
