"""How good a scorer's scores are against known labels: ranking (AUC) and calibration. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """The area under the ROC curve: the chance that a random positive scores above a random negative
    (ties count half; the Mann-Whitney U statistic, Hanley & McNeil 1982). None without both classes.

    >>> auc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]), auc([0.5, 0.5], [True, False]), auc([1.0], [True])
    (1.0, 0.5, None)
    """
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    positives, negatives = s[y], s[~y]
    if positives.size == 0 or negatives.size == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_scores = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[y].sum() - positives.size * (positives.size + 1) / 2
    return float(u / (positives.size * negatives.size))


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_score: float
    positive_share: float


def calibration(scores: Sequence[float], labels: Sequence[bool], bins: int = 10) -> tuple[list[CalibrationBin], float, float]:
    """(reliability bins of equal width, expected calibration error, Brier score) of scores in [0, 1]
    (Guo et al. 2017 for ECE; Brier 1950).

    >>> rows, ece, brier = calibration([0.0, 0.0, 1.0, 1.0], [False, False, True, True], bins=2)
    >>> [(r.count, r.positive_share) for r in rows], ece, brier
    ([(2, 0.0), (2, 1.0)], 0.0, 0.0)
    """
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=float)
    which = np.minimum((s * bins).astype(int), bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        inside = which == b
        if not inside.any():
            continue
        row = CalibrationBin(b / bins, (b + 1) / bins, int(inside.sum()), float(s[inside].mean()), float(y[inside].mean()))
        rows.append(row)
        ece += row.count / len(s) * abs(row.mean_score - row.positive_share)
    return rows, float(ece), float(np.mean((s - y) ** 2))
