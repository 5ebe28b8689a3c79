import numpy as np
import pytest

from ponder.scaling.curves import Sample, budgets, curves, weighted_maj_at_k


def pool(problem_id, answers, truth, scores=None, tokens=10):
    scores = scores or [1.0 if a == truth else 0.2 for a in answers]
    return [
        Sample(problem_id, i, a, a == truth, s, 5, tokens, 2) for i, (a, s) in enumerate(zip(answers, scores))
    ]


def test_curves_have_a_point_per_strategy_and_budget_with_coverage_on_top():
    samples = pool("p1", ["1", "2", "1", "3"], "1") + pool("p2", ["4", "4", "5", "4"], "5")
    points = curves(samples, ["single", "best_of_n", "majority"], np.random.default_rng(0))
    by = {(p.strategy, p.candidates): p for p in points}
    assert set(by) == {("single", 1)} | {(s, k) for s in ("best_of_n", "majority", "pass_at_k") for k in (1, 2, 4)}
    assert by[("single", 1)].accuracy == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert by[("pass_at_k", 4)].accuracy == 1.0 and by[("best_of_n", 4)].accuracy == 1.0  # the checker finds both
    assert by[("majority", 4)].accuracy == pytest.approx(0.5)  # p1's 1 wins 2-1-1; p2's 4 beats the right 5
    for p in points:
        assert 0 <= p.ci_low <= p.accuracy <= p.ci_high <= 1
        assert p.accuracy <= by[("pass_at_k", p.candidates)].accuracy + 1e-12
    assert by[("best_of_n", 4)].mean_tokens == 4 * 12 and by[("majority", 4)].mean_tokens == 4 * 10


def test_weighted_majority_resampling_is_seeded_and_close_to_exact():
    answers, scores, correct = ["7", "8", "8"], [0.9, 0.2, 0.2], [True, False, False]
    a = weighted_maj_at_k(answers, scores, correct, 2, np.random.default_rng(1))
    b = weighted_maj_at_k(answers, scores, correct, 2, np.random.default_rng(1))
    assert a == b and a == pytest.approx(2 / 3, abs=0.06)  # 7 wins whenever drawn: 2 of 3 pairs


def test_budgets_and_bad_requests():
    assert budgets(1) == [1] and budgets(64) == [1, 2, 4, 8, 16, 32, 64]
    with pytest.raises(ValueError, match="needs more samples"):
        curves(pool("p", ["1", "2"], "1"), ["majority"], np.random.default_rng(0), ks=[4])
    with pytest.raises(ValueError, match="run it per budget"):
        curves(pool("p", ["1", "2"], "1"), ["revise"], np.random.default_rng(0))
