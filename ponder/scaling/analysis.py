"""From stored samples and runs to everything a report shows: curves with CIs, fitted laws, the
held-out compute-optimal frontier, the efficiency ratio and the adaptive strategy's policy.
Deterministic given the seed, so re-rendering a report reproduces it exactly."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ponder.scaling.allocate import (
    Efficiency, Point, Policy, Table, best_within, efficiency, folds, held_out_frontier, policies, targets_between,
)
from ponder.scaling.curves import (
    COVERAGE, CurvePoint, Pool, Sample, budgets, charges_verifier, curves, pool_budgets, pooled, problem_value,
)
from ponder.scaling.estimators import bootstrap_ci
from ponder.scaling.fit import FitError, fit_coverage, fit_log_linear
from ponder.scaling.store import RunRecord
from ponder.strategies.adaptive import PROBE, Allocation, probe_difficulty
from ponder.strategies.registry import get_spec

# The efficiency baseline is the first of these that was swept (a choice of this analysis, not a fact of a strategy).
BASELINES = ("best_of_n", "majority", "weighted_majority", "single")


@dataclass(frozen=True)
class Fit:
    curve: str  # a strategy, or COVERAGE
    law: str
    parameters: Mapping[str, float]
    r2: float | None
    points: int
    note: str = ""  # why it could not be fitted


@dataclass(frozen=True)
class Analysis:
    problems: tuple[str, ...]  # problems with a complete pool, in sweep order
    excluded: tuple[str, ...]  # problems left out: their pool is incomplete
    samples_per_problem: int
    points: tuple[CurvePoint, ...]
    sequential: frozenset[str]  # strategies run per budget rather than estimated from the pool
    fits: tuple[Fit, ...]
    baseline: str | None
    frontier: tuple[Point, ...]  # held-out, oracle difficulty bins
    efficiency: Efficiency | None
    allocation: Policy | None  # the adaptive policy fitted on every problem (probe difficulty)
    oracle_policy: Policy | None = None  # on oracle bins, all problems: the cheapest matching the baseline's best
    table: Table | None = None  # every pool option's value and cost per problem (oracle difficulty)


def pools_of(samples: Sequence[Sample], order: Sequence[str], n: int) -> tuple[dict[str, list[Sample]], list[str]]:
    """The complete pools (first n samples) in sweep order, and the ids of incomplete ones."""
    grouped: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        grouped[sample.problem_id].append(sample)
    pools = {pid: sorted(grouped[pid], key=lambda s: s.sample_index)[:n] for pid in order if len(grouped.get(pid, ())) >= n}
    return pools, [pid for pid in order if pid not in pools]


def option_table(
    pools: Mapping[str, Sequence[Sample]], strategies: Sequence[str], ks: Sequence[int], difficulty: np.ndarray, rng: np.random.Generator,
    runs: Sequence[RunRecord] = (),
) -> Table:
    """Value and cost of every (strategy, k) on every problem: pool estimates, plus the measured
    per-budget runs of sequential strategies that cover every problem (not those fitted on the pool: they are policies themselves)."""
    options = [(s, k) for s in strategies if pooled(s) for k in pool_budgets(s, ks)]
    ids = list(pools)
    value = np.zeros((len(ids), len(options)))
    cost = np.zeros((len(ids), len(options)))
    for row, pid in enumerate(ids):
        pool = pools[pid]
        view = Pool.of(pool)
        plain = np.mean([s.completion_tokens for s in pool])
        checked = np.mean([s.completion_tokens + s.verifier_tokens for s in pool])
        for col, (strategy, k) in enumerate(options):
            value[row, col] = problem_value(strategy, view, k, rng)
            cost[row, col] = k * (checked if charges_verifier(strategy) else plain)
    measured = defaultdict(dict)
    for run in runs:
        if not get_spec(run.strategy).fitted_on_pool and run.budget in ks:
            measured[(run.strategy, run.budget)][run.problem_id] = run
    extra = [option for option in sorted(measured) if all(pid in measured[option] for pid in ids)]
    if extra:
        value = np.hstack([value, np.array([[float(measured[o][pid].correct) for o in extra] for pid in ids])])
        cost = np.hstack([cost, np.array([[measured[o][pid].completion_tokens + measured[o][pid].verifier_tokens for o in extra] for pid in ids], dtype=float)])
    return Table(tuple(ids), tuple(options + extra), value, cost, difficulty)


def oracle_difficulty(pools: Mapping[str, Sequence[Sample]]) -> np.ndarray:
    """Each problem's pass@1 estimate from its whole pool (Snell et al.'s oracle difficulty)."""
    return np.array([np.mean([s.correct for s in pool]) for pool in pools.values()])


def probe_estimates(pools: Mapping[str, Sequence[Sample]], probe: int = PROBE) -> np.ndarray:
    """The difficulty the adaptive strategy would estimate at run time from its first `probe` samples."""
    return np.array([
        probe_difficulty([s.answer for s in pool[:probe]], [s.score if s.score is not None else 0.0 for s in pool[:probe]])
        for pool in pools.values()
    ])


def sequential_points(runs: Sequence[RunRecord], problems: Sequence[str], rng: np.random.Generator) -> list[CurvePoint]:
    """Measured points of strategies run per budget, over the analysed problems that have a run."""
    wanted = set(problems)
    grouped: dict[tuple[str, int], list[RunRecord]] = defaultdict(list)
    for run in runs:
        if run.problem_id in wanted:
            grouped[(run.strategy, run.budget)].append(run)
    points = []
    for (strategy, k), group in sorted(grouped.items()):
        values = [float(r.correct) for r in group]
        low, high = bootstrap_ci(values, rng)
        tokens = np.mean([r.completion_tokens + r.verifier_tokens for r in group])
        points.append(CurvePoint(strategy, k, float(tokens), float(np.mean(values)), low, high))
    return points


def fits_of(points: Sequence[CurvePoint]) -> list[Fit]:
    """Coverage c(k) = exp(a k^-b) and, for every strategy with two or more budgets, the log-linear law."""
    result = []
    by_curve: dict[str, list[CurvePoint]] = defaultdict(list)
    for point in points:
        by_curve[point.strategy].append(point)
    for curve, group in by_curve.items():
        try:
            if curve == COVERAGE:
                fit = fit_coverage([p.candidates for p in group], [p.accuracy for p in group])
                result.append(Fit(curve, "exp(a * k^-b)", {"a": fit.a, "b": fit.b}, fit.r2, fit.points))
            elif len(group) >= 2:
                line = fit_log_linear([p.mean_tokens for p in group], [p.accuracy for p in group])
                result.append(Fit(curve, "intercept + slope * log10(tokens)", {"intercept": line.intercept, "slope": line.slope}, line.r2, line.points))
        except FitError as error:
            result.append(Fit(curve, "exp(a * k^-b)" if curve == COVERAGE else "log-linear", {}, None, 0, str(error)))
    return result


def baseline_of(strategies: Sequence[str]) -> str | None:
    return next((s for s in BASELINES if s in strategies), None)


def analyse(
    samples: Sequence[Sample], runs: Sequence[RunRecord], order: Sequence[str], strategies: Sequence[str], n: int, seed: int, bins: int
) -> Analysis:
    pools, excluded = pools_of(samples, order, n)
    if not pools:
        raise ValueError("no problem has a complete pool of samples yet")
    ks = budgets(n)
    pool_strategies = [s for s in strategies if pooled(s)]
    points = curves([s for pool in pools.values() for s in pool], pool_strategies, np.random.default_rng(seed), ks)
    points += sequential_points([r for r in runs if r.strategy in strategies], list(pools), np.random.default_rng(seed + 1))
    baseline = baseline_of(pool_strategies)
    frontier: list[Point] = []
    ratio = allocation = oracle = table = None
    if baseline is not None:
        table = option_table(pools, pool_strategies, ks, oracle_difficulty(pools), np.random.default_rng(seed + 2), runs)
        low, high = table.cost.mean(axis=0).min(), table.cost.mean(axis=0).max()
        frontier = held_out_frontier(table, targets_between(low, high), bins, np.random.default_rng(seed + 3))
        base_curve = [(p.mean_tokens, p.accuracy) for p in points if p.strategy == baseline]
        ratio = efficiency(baseline, base_curve, [(p.cost, p.accuracy) for p in frontier])
        allocation = adaptive_policy(pools, pool_strategies, ks, base_curve, bins, seed)
        oracle = cheapest_reaching(policies(table, np.arange(len(table.problems)), bins), max(acc for _, acc in base_curve))
    return Analysis(
        problems=tuple(pools), excluded=tuple(excluded), samples_per_problem=n, points=tuple(points),
        sequential=frozenset(s for s in strategies if not pooled(s)), fits=tuple(fits_of(points)), baseline=baseline,
        frontier=tuple(frontier), efficiency=ratio, allocation=allocation, oracle_policy=oracle, table=table,
    )


def cheapest_reaching(front: Sequence[Policy], accuracy: float) -> Policy:
    """The cheapest policy on a front reaching `accuracy`, else the most accurate one."""
    return next((p for p in front if p.accuracy >= accuracy - 1e-12), front[-1])


def adaptive_policy(
    pools: Mapping[str, Sequence[Sample]], strategies: Sequence[str], ks: Sequence[int], base_curve: Sequence[tuple[float, float]], bins: int, seed: int
) -> Policy:
    """The policy on probe-difficulty bins, over every problem: the cheapest that matches the
    baseline's best accuracy, else the most accurate."""
    table = option_table(pools, strategies, ks, probe_estimates(pools), np.random.default_rng(seed + 4))
    return cheapest_reaching(policies(table, np.arange(len(table.problems)), bins), max(acc for _, acc in base_curve))


def as_allocation(policy: Policy, probe: int = PROBE) -> Allocation:
    return Allocation(edges=policy.edges, choices=tuple(policy.choices), probe=probe)


def fold_allocations(
    samples: Sequence[Sample], order: Sequence[str], strategies: Sequence[str], n: int, seed: int, bins: int, budget: int
) -> dict[str, Allocation]:
    """For the adaptive runs at one budget: each problem gets the policy chosen on the other half of
    the problems (at the baseline's compute for this budget), so its result is held out."""
    pools, _ = pools_of(samples, order, n)
    pool_strategies = [s for s in strategies if pooled(s)] or ["majority"]
    ks = [k for k in budgets(n) if k <= budget]
    table = option_table(pools, pool_strategies, ks, probe_estimates(pools), np.random.default_rng(seed + 5))
    baseline = baseline_of(pool_strategies)
    column = table.options.index((baseline, budget)) if (baseline, budget) in table.options else int(np.argmax(table.cost.mean(axis=0)))
    target = float(table.cost[:, column].mean())
    halves = folds(len(table.problems), np.random.default_rng(seed + 6))
    result = {}
    for chosen_on, used_on in ((0, 1), (1, 0)):
        policy = best_within(policies(table, halves[chosen_on], bins), target)
        for row in halves[used_on]:
            result[table.problems[row]] = as_allocation(policy)
    return result
