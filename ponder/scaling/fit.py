"""Fitted scaling laws: pure functions over measured curves.

- Coverage vs samples, c(k) = exp(a * k^-b) with a < 0, b > 0 (Brown et al. 2024, "Large Language
  Monkeys"), fitted by least squares on the linearisation log(-log c) = log(-a) - b log k.
- Accuracy vs compute, acc = intercept + slope * log10(compute) (the log-linear test-time law).
Goodness of fit is R^2 in the original units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


class FitError(ValueError):
    """Too few usable points to fit a law."""


def r_squared(observed: np.ndarray, predicted: np.ndarray) -> float:
    residual = float(np.sum((observed - predicted) ** 2))
    spread = float(np.sum((observed - observed.mean()) ** 2))
    return 1.0 - residual / spread if spread > 0 else (1.0 if residual == 0 else 0.0)


@dataclass(frozen=True)
class CoverageFit:
    a: float
    b: float
    r2: float
    points: int  # points used (those with 0 < coverage < 1)

    def predict(self, k: float | np.ndarray) -> np.ndarray:
        return np.exp(self.a * np.power(k, -self.b))


def fit_coverage(ks: Sequence[float], coverage: Sequence[float]) -> CoverageFit:
    """Fit c(k) = exp(a k^-b).

    >>> fit = fit_coverage([1, 2, 4, 8], [np.exp(-2 * k ** -0.5) for k in [1, 2, 4, 8]])
    >>> round(fit.a, 6), round(fit.b, 6), round(fit.r2, 6)
    (-2.0, 0.5, 1.0)
    """
    k = np.asarray(ks, dtype=float)
    c = np.asarray(coverage, dtype=float)
    usable = (c > 0) & (c < 1) & (k > 0)
    if usable.sum() < 2:
        raise FitError("coverage fit needs at least two points strictly between 0 and 1")
    slope, intercept = np.polyfit(np.log(k[usable]), np.log(-np.log(c[usable])), 1)
    fit = CoverageFit(a=-float(np.exp(intercept)), b=-float(slope), r2=0.0, points=int(usable.sum()))
    return CoverageFit(fit.a, fit.b, r_squared(c[usable], fit.predict(k[usable])), fit.points)


@dataclass(frozen=True)
class LogLinearFit:
    intercept: float
    slope: float  # accuracy gained per tenfold compute
    r2: float
    points: int

    def predict(self, compute: float | np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * np.log10(compute)


def fit_log_linear(compute: Sequence[float], accuracy: Sequence[float]) -> LogLinearFit:
    """Fit accuracy = intercept + slope * log10(compute).

    >>> fit = fit_log_linear([10, 100, 1000], [0.2, 0.3, 0.4])
    >>> round(fit.intercept, 6), round(fit.slope, 6), round(fit.r2, 6)
    (0.1, 0.1, 1.0)
    """
    x = np.asarray(compute, dtype=float)
    y = np.asarray(accuracy, dtype=float)
    usable = x > 0
    if usable.sum() < 2 or np.unique(x[usable]).size < 2:
        raise FitError("log-linear fit needs at least two distinct positive compute values")
    slope, intercept = np.polyfit(np.log10(x[usable]), y[usable], 1)
    fit = LogLinearFit(float(intercept), float(slope), 0.0, int(usable.sum()))
    return LogLinearFit(fit.intercept, fit.slope, r_squared(y[usable], fit.predict(x[usable])), fit.points)
