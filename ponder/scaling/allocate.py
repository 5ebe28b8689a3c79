"""Compute-optimal allocation of test-time compute by problem difficulty: pure functions.

Snell et al. 2024 ("Scaling LLM Test-Time Compute Optimally can be More Effective than Scaling Model
Parameters") bin problems by difficulty and pick, per bin, how to spend compute. Here an *option* is a
(strategy, candidates) pair with a measured value (expected correctness) and cost (tokens) on every
problem. Choosing one option per bin to maximise accuracy at a given average compute is a
multiple-choice knapsack; with a handful of bins it is solved exactly by merging the bins' Pareto
fronts (cost, accuracy) one bin at a time. Choices are cross-validated: the policy is chosen on one half
of the problems and evaluated on the other, then the halves swap, so every problem is scored once by a
policy that never saw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

Option = tuple[str, int]  # (strategy, candidates)


@dataclass(frozen=True)
class Table:
    """Per-problem value (expected correctness) and cost (tokens) of every option."""

    problems: tuple[str, ...]
    options: tuple[Option, ...]
    value: np.ndarray  # [problem, option]
    cost: np.ndarray  # [problem, option]
    difficulty: np.ndarray  # [problem]: the estimate that bins problems (higher = easier)


@dataclass(frozen=True)
class Policy:
    """One option per difficulty bin; bin i holds difficulties in (edges[i-1], edges[i]]."""

    edges: tuple[float, ...]  # upper edges of all bins but the last
    choices: tuple[Option, ...]  # len(edges) + 1
    cost: float  # average cost on the problems it was chosen on
    accuracy: float

    def bin_of(self, difficulty: float) -> int:
        return int(np.searchsorted(np.asarray(self.edges), difficulty, side="left"))

    def choose(self, difficulty: float) -> Option:
        return self.choices[self.bin_of(difficulty)]

    def bins(self) -> list[tuple[float | None, float | None, Option]]:
        """(above, up_to, choice) per bin; None is an open end."""
        bounds = [None, *self.edges, None]
        return [(bounds[i], bounds[i + 1], choice) for i, choice in enumerate(self.choices)]


@dataclass(frozen=True)
class Point:
    """Accuracy and average compute of a policy on problems it was not chosen on."""

    target: float  # the compute the policy was chosen for
    cost: float
    accuracy: float


def quantile_edges(difficulty: Sequence[float], bins: int) -> tuple[float, ...]:
    """Upper edges of up to `bins` bins of about equal size. Difficulties tie a lot (pass@1 is often
    exactly 0 or 1), so each quantile cut goes between the distinct values nearest to it; ties that
    leave no cut merge bins.

    >>> quantile_edges([0, 0, 0, 0.5, 1, 1], 3)
    (0.0, 0.5)
    >>> quantile_edges([0.1] * 8 + [1.0] * 12, 2)  # the median is 1.0, yet the two kinds stay apart
    (0.1,)
    """
    values, counts = np.unique(np.asarray(difficulty, dtype=float), return_counts=True)
    shares = np.cumsum(counts)[:-1] / counts.sum()  # share at or below each distinct value but the last
    if shares.size == 0:
        return ()
    cuts = {int(np.argmin(np.abs(shares - q))) for q in np.arange(1, bins) / bins}
    return tuple(float(values[i]) for i in sorted(cuts))


def pareto_merge(bins: Sequence[Sequence[tuple[float, float, Option]]], weights: Sequence[float]) -> list[tuple[float, float, tuple[Option, ...]]]:
    """Every Pareto-optimal way (lowest cost for its accuracy) to pick one option per bin, where the
    total is the weighted sum of the bins' (cost, accuracy). Exact: a dominated partial choice can never
    be part of an optimal whole.

    >>> front = pareto_merge([[(1, 0.5, ("a", 1)), (4, 0.9, ("a", 4))], [(1, 0.0, ("a", 1)), (4, 0.1, ("a", 4))]], [0.5, 0.5])
    >>> [(c, round(a, 2), [k for _, k in ch]) for c, a, ch in front]
    [(1.0, 0.25, [1, 1]), (2.5, 0.45, [4, 1]), (4.0, 0.5, [4, 4])]
    """
    front: list[tuple[float, float, tuple[Option, ...]]] = [(0.0, 0.0, ())]
    for options, weight in zip(bins, weights):
        merged = [(c + weight * oc, a + weight * oa, choice + (option,)) for c, a, choice in front for oc, oa, option in options]
        merged.sort(key=lambda item: (item[0], -item[1]))
        front = []
        for item in merged:
            if not front or item[1] > front[-1][1] + 1e-12:
                front.append(item)
    return front


@dataclass(frozen=True)
class BinRow:
    """One option's accuracy and compute in each difficulty bin (Snell et al.'s per-difficulty view)."""

    option: Option
    accuracy: tuple[float, ...]  # per bin
    cost: tuple[float, ...]  # mean tokens per problem, per bin


def by_difficulty(table: Table, bins: int) -> tuple[tuple[float, ...], list[BinRow]]:
    """(bin edges, one row per option): the table's values averaged within quantile bins of difficulty.

    >>> t = Table(("a", "b", "c", "d"), (("x", 1),), np.array([[0.], [1.], [1.], [1.]]), np.array([[2.], [2.], [4.], [4.]]), np.array([0., 0., 1., 1.]))
    >>> by_difficulty(t, 2)
    ((0.0,), [BinRow(option=('x', 1), accuracy=(0.5, 1.0), cost=(2.0, 4.0))])
    """
    edges = quantile_edges(table.difficulty, bins)
    members = np.searchsorted(np.asarray(edges), table.difficulty, side="left")
    rows = []
    for column, option in enumerate(table.options):
        accuracy = tuple(float(table.value[members == b, column].mean()) for b in range(len(edges) + 1))
        cost = tuple(float(table.cost[members == b, column].mean()) for b in range(len(edges) + 1))
        rows.append(BinRow(option, accuracy, cost))
    return edges, rows


def policies(table: Table, rows: np.ndarray, bins: int) -> list[Policy]:
    """The Pareto front of per-bin policies chosen on the problems `rows`, cheapest first."""
    difficulty = table.difficulty[rows]
    edges = quantile_edges(difficulty, bins)
    assignment = np.searchsorted(np.asarray(edges), difficulty, side="left")
    per_bin, weights = [], []
    for b in range(len(edges) + 1):
        members = rows[assignment == b]
        if members.size == 0:  # cannot happen with quantile edges, but an empty bin costs nothing
            per_bin.append([(0.0, 0.0, table.options[0])])
            weights.append(0.0)
            continue
        value = table.value[members].mean(axis=0)
        cost = table.cost[members].mean(axis=0)
        per_bin.append(list(zip(cost.tolist(), value.tolist(), table.options)))
        weights.append(members.size / rows.size)
    return [Policy(edges, choices, cost, accuracy) for cost, accuracy, choices in pareto_merge(per_bin, weights)]


def best_within(front: Sequence[Policy], compute: float) -> Policy:
    """The most accurate policy whose cost is at most `compute` (the cheapest when none is)."""
    affordable = [p for p in front if p.cost <= compute + 1e-9]
    return max(affordable, key=lambda p: p.accuracy) if affordable else front[0]


def evaluate(table: Table, policy: Policy, rows: np.ndarray) -> tuple[float, float]:
    """(total cost, total value) of a policy on the problems `rows`."""
    index = {option: i for i, option in enumerate(table.options)}
    chosen = np.array([index[policy.choose(d)] for d in table.difficulty[rows]], dtype=int)
    return float(table.cost[rows, chosen].sum()), float(table.value[rows, chosen].sum())


def folds(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A seeded split of problem rows into two halves."""
    order = rng.permutation(count)
    return np.sort(order[: count // 2]), np.sort(order[count // 2 :])


def held_out_frontier(table: Table, targets: Sequence[float], bins: int, rng: np.random.Generator) -> list[Point]:
    """For each target compute: choose the best policy within it on one half, score it on the other,
    swap; each point averages every problem once, scored by a policy chosen without it."""
    halves = folds(len(table.problems), rng)
    fronts = [policies(table, halves[i], bins) for i in (0, 1)]
    points = []
    for target in targets:
        cost = value = 0.0
        for chosen_on, scored_on in ((0, 1), (1, 0)):
            c, v = evaluate(table, best_within(fronts[chosen_on], target), halves[scored_on])
            cost, value = cost + c, value + v
        points.append(Point(float(target), cost / len(table.problems), value / len(table.problems)))
    return points


def compute_to_reach(points: Sequence[tuple[float, float]], accuracy: float) -> float | None:
    """The least compute at which a curve of (compute, accuracy) points reaches `accuracy`,
    interpolated linearly in log compute; None when it never does.

    >>> round(compute_to_reach([(10, 0.2), (100, 0.4)], 0.3), 3)
    31.623
    """
    previous = None
    for cost, acc in sorted(points):
        if acc >= accuracy - 1e-12:
            if previous is None:
                return float(cost)
            (c0, a0), share = previous, (accuracy - previous[1]) / (acc - previous[1])
            return float(np.exp(np.log(c0) + share * (np.log(cost) - np.log(c0))))
        previous = (cost, acc)
    return None


@dataclass(frozen=True)
class Efficiency:
    """How much less compute the compute-optimal policy needs than the baseline for the same accuracy."""

    baseline: str
    accuracy: float  # the accuracy both are compared at
    baseline_compute: float
    optimal_compute: float
    reached_baseline_best: bool  # False: the policy never reached the baseline's best; compared at its own best
    baseline_best: float  # the baseline's best accuracy

    @property
    def ratio(self) -> float:
        return self.baseline_compute / self.optimal_compute


def efficiency(baseline: str, baseline_curve: Sequence[tuple[float, float]], optimal_curve: Sequence[tuple[float, float]]) -> Efficiency | None:
    """Compute the baseline needs to reach its best accuracy, over the compute the policy needs for the
    same accuracy (Snell et al. 2024's comparison). When the policy falls short of the baseline's best,
    both are compared at the policy's best accuracy instead, and the result says so.

    >>> e = efficiency("best_of_n", [(10, 0.2), (100, 0.4)], [(5, 0.2), (20, 0.4)])
    >>> round(e.ratio, 9), e.reached_baseline_best
    (5.0, True)
    """
    if not baseline_curve or not optimal_curve:
        return None
    best = max(acc for _, acc in baseline_curve)
    reached = max(acc for _, acc in optimal_curve) >= best - 1e-12
    target = best if reached else max(acc for _, acc in optimal_curve)
    base, optimal = compute_to_reach(baseline_curve, target), compute_to_reach(optimal_curve, target)
    if base is None or optimal is None or optimal <= 0:
        return None
    return Efficiency(baseline, target, base, optimal, reached, best)


def targets_between(low: float, high: float, count: int = 24) -> list[float]:
    """Geometrically spaced compute targets."""
    return np.geomspace(max(low, 1e-9), max(high, low * 1.0001), count).tolist()
