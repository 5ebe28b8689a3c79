"""Estimators against closed forms and brute-force enumeration of every subset."""

from fractions import Fraction
from itertools import combinations
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ponder.scaling.estimators import bon_at_k, bootstrap_ci, maj_at_k, pass_at_k
from ponder.strategies.voting import tally


@st.composite
def n_c_k(draw, max_n=1000):
    n = draw(st.integers(1, max_n))
    return n, draw(st.integers(0, n)), draw(st.integers(1, n))


@settings(max_examples=500)
@given(n_c_k())
def test_pass_at_k_equals_the_closed_form(case):
    n, c, k = case
    exact = 1 - Fraction(comb(n - c, k), comb(n, k))
    assert abs(pass_at_k(n, c, k) - float(exact)) <= 1e-12


def test_pass_at_k_at_n_1000():
    for c, k in [(1, 1), (1, 999), (3, 500), (999, 1), (0, 1000), (500, 250)]:
        exact = 1 - Fraction(comb(1000 - c, k), comb(1000, k))
        assert abs(pass_at_k(1000, c, k) - float(exact)) <= 1e-12


@given(n_c_k(max_n=300))
def test_pass_at_k_is_bounded_and_non_decreasing_in_k(case):
    n, c, _ = case
    values = [pass_at_k(n, c, k) for k in range(1, n + 1)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert all(a <= b + 1e-15 for a, b in zip(values, values[1:]))


def brute_force(samples, k, pick):
    """Average over every size-k subset of the expected correctness of `pick(subset)`."""
    subsets = list(combinations(samples, k))
    return sum(pick(s) for s in subsets) / len(subsets)


def best_pick(subset):
    top = max(score for score, _, _ in subset)
    tied = [ok for score, _, ok in subset if score == top]
    return sum(tied) / len(tied)


def vote_pick(subset):
    totals = tally(answer for _, answer, _ in subset)
    if not totals:
        return 0.0
    top = max(totals.values())
    leaders = [a for a, v in totals.items() if v == top]
    correct = {answer for _, answer, ok in subset if ok}
    return sum(a in correct for a in leaders) / len(leaders)


answer_values = st.sampled_from(["1", "2", "3", "4", None])


@st.composite
def pools(draw):
    answers = draw(st.lists(answer_values, min_size=1, max_size=9))
    truth = draw(st.sampled_from(["1", "2"]))
    scores = draw(st.lists(st.sampled_from([0.0, 0.3, 0.7, 1.0]), min_size=len(answers), max_size=len(answers)))
    correct = [a == truth for a in answers]
    return answers, scores, correct, draw(st.integers(1, len(answers)))


@settings(max_examples=300)
@given(pools())
def test_bon_and_maj_equal_the_average_over_every_subset(pool):
    answers, scores, correct, k = pool
    samples = list(zip(scores, answers, correct))
    assert bon_at_k(scores, correct, k) == pytest.approx(brute_force(samples, k, best_pick), abs=1e-12)
    assert maj_at_k(answers, correct, k) == pytest.approx(brute_force(samples, k, vote_pick), abs=1e-12)


@settings(max_examples=300)
@given(pools())
def test_k_of_one_agrees_and_nothing_beats_coverage(pool):
    answers, scores, correct, k = pool
    n, c = len(answers), sum(correct)
    assert maj_at_k(answers, correct, 1) == pytest.approx(pass_at_k(n, c, 1)) == pytest.approx(bon_at_k(scores, correct, 1))
    for value in (maj_at_k(answers, correct, k), bon_at_k(scores, correct, k)):
        assert 0.0 <= value <= pass_at_k(n, c, k) + 1e-12


def test_k_out_of_range_is_rejected():
    with pytest.raises(ValueError, match="k must be between 1 and n=3"):
        pass_at_k(3, 1, 4)
    with pytest.raises(ValueError):
        maj_at_k(["1"], [True], 0)


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_more_problems():
    rng = np.random.default_rng(0)
    small = [1.0, 0.0] * 10
    large = [1.0, 0.0] * 1000
    low, high = bootstrap_ci(small, rng)
    assert low < 0.5 < high
    low2, high2 = bootstrap_ci(large, rng)
    assert low2 < 0.5 < high2 and high2 - low2 < (high - low) / 3
