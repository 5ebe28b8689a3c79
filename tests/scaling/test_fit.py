import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ponder.scaling.fit import FitError, fit_coverage, fit_log_linear


@given(a=st.floats(-5.0, -0.05), b=st.floats(0.05, 1.5))
def test_coverage_fit_recovers_exact_parameters(a, b):
    ks = np.array([1, 2, 4, 8, 16, 32, 64])
    coverage = np.exp(a * ks ** -b)
    fit = fit_coverage(ks, coverage)
    assert fit.a == pytest.approx(a, rel=1e-6) and fit.b == pytest.approx(b, rel=1e-6)
    assert fit.r2 == pytest.approx(1.0, abs=1e-9)


def test_noisy_coverage_fits_less_than_perfectly_but_well():
    rng = np.random.default_rng(0)
    ks = np.arange(1, 65)
    coverage = np.clip(np.exp(-1.5 * ks ** -0.4) + rng.normal(0, 0.01, ks.size), 1e-6, 1 - 1e-6)
    fit = fit_coverage(ks, coverage)
    assert 0.9 < fit.r2 < 1.0 and fit.a == pytest.approx(-1.5, rel=0.1)


def test_log_linear_fit_recovers_slope_per_decade():
    fit = fit_log_linear([30, 300, 3000, 30000], [0.25, 0.35, 0.45, 0.55])
    assert fit.slope == pytest.approx(0.1) and fit.r2 == pytest.approx(1.0)
    assert float(fit.predict(300000)) == pytest.approx(0.65)


def test_degenerate_curves_are_clear_errors():
    with pytest.raises(FitError, match="two points strictly between 0 and 1"):
        fit_coverage([1, 2, 4], [1.0, 1.0, 1.0])
    with pytest.raises(FitError, match="two distinct positive"):
        fit_log_linear([10, 10], [0.1, 0.2])
