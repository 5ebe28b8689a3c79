import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ponder.scaling.allocate import (
    Table, compute_to_reach, efficiency, held_out_frontier, pareto_merge, policies, quantile_edges,
)

option_lists = st.lists(
    st.lists(st.tuples(st.integers(1, 50), st.floats(0, 1)), min_size=1, max_size=4), min_size=1, max_size=3
)


@given(option_lists)
@settings(max_examples=60, deadline=None)
def test_pareto_merge_matches_brute_force_over_every_choice(raw):
    bins = [[(float(c), a, ("s", i)) for i, (c, a) in enumerate(options)] for options in raw]
    weights = [1 / len(bins)] * len(bins)
    front = pareto_merge(bins, weights)
    every = [
        (sum(w * o[0] for w, o in zip(weights, combo)), sum(w * o[1] for w, o in zip(weights, combo)))
        for combo in itertools.product(*bins)
    ]
    for cost, accuracy, choices in front:
        assert len(choices) == len(bins)
        assert not any(c <= cost - 1e-9 and a >= accuracy + 1e-9 for c, a in every)  # nothing dominates it
    for cost, accuracy in every:  # every choice is matched or beaten by the front at no more cost
        assert any(c <= cost + 1e-9 and a >= accuracy - 1e-9 for c, a, _ in front)


def two_kinds_of_problem(count: int) -> Table:
    """Half the problems are easy (one sample always right), half hard (only 8 samples help)."""
    options = (("best_of_n", 1), ("best_of_n", 8))
    easy = [[1.0, 1.0]] * (count // 2)
    hard = [[0.1, 0.6]] * (count - count // 2)
    value = np.array(easy + hard)
    cost = np.array([[10.0, 80.0]] * count)
    difficulty = np.array([1.0] * (count // 2) + [0.1] * (count - count // 2))
    return Table(tuple(f"p{i}" for i in range(count)), options, value, cost, difficulty)


def test_policy_spends_on_hard_problems_only_and_saves_compute():
    table = two_kinds_of_problem(40)
    front = policies(table, np.arange(40), bins=2)
    best = max(front, key=lambda p: p.accuracy)
    assert best.choices == (("best_of_n", 8), ("best_of_n", 1))  # hard bin first: it gets the samples
    assert best.accuracy == pytest.approx(0.8) and best.cost == pytest.approx(45.0)
    frontier = held_out_frontier(table, [10, 45, 80], bins=2, rng=np.random.default_rng(0))
    assert frontier[-1].accuracy == pytest.approx(0.8) and frontier[-1].cost == pytest.approx(45.0)
    ratio = efficiency("best_of_n", [(10, 0.55), (80, 0.8)], [(p.cost, p.accuracy) for p in frontier])
    assert ratio.reached_baseline_best and ratio.ratio == pytest.approx(80 / 45)


def test_efficiency_compares_at_the_policys_best_when_it_falls_short():
    ratio = efficiency("best_of_n", [(10, 0.2), (100, 0.6)], [(10, 0.2), (40, 0.4)])
    assert not ratio.reached_baseline_best and ratio.accuracy == pytest.approx(0.4)
    assert ratio.ratio == pytest.approx(np.sqrt(1000) / 40)


def test_compute_to_reach_interpolates_in_log_compute_and_says_never():
    assert compute_to_reach([(1, 0.1), (100, 0.5)], 0.3) == pytest.approx(10.0)
    assert compute_to_reach([(1, 0.1), (100, 0.5)], 0.05) == 1
    assert compute_to_reach([(1, 0.1), (100, 0.5)], 0.9) is None


def test_quantile_bins_merge_ties_and_never_leave_the_top_bin_empty():
    assert quantile_edges([0.0] * 10, 4) == ()
    assert quantile_edges([0, 0, 0, 0, 1, 1, 1, 1], 4) == (0.0,)
