"""Bradley–Terry ratings on the Elo scale, with bootstrap confidence intervals: for game players (the arena) and
for candidates a judge compared pairwise (the round-robin strategy).

Bradley & Terry 1952: P(i beats j) = γi / (γi + γj). Fitted by the minorization–maximization update
of Hunter 2004 ("MM algorithms for generalized Bradley–Terry models"): γi ← Wi / Σj nij / (γi + γj),
where a draw counts half a win to each side. Every pair that played also gets `prior` virtual draws,
which keeps ratings finite when one side won every game (a weak pull toward equal strength).
Elo scale: 400·log10(γ), with the first player fixed at 0. CIs: percentile bootstrap, resampling
each pair's games with replacement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

ELO = 400.0 / math.log(10.0)  # Elo points per natural-log unit of strength


@dataclass(frozen=True)
class Result:
    """One game's outcome between two players (indices), from `first`'s side: 1 win, 0.5 draw, 0 loss."""

    first: int
    second: int
    score: float


@dataclass(frozen=True)
class Rating:
    player: int
    elo: float
    ci_low: float
    ci_high: float


def fit(wins: np.ndarray, games: np.ndarray, prior: float = 1.0, iterations: int = 100_000, tolerance: float = 1e-9) -> np.ndarray:
    """Elo ratings (player 0 at 0) from wins[..., i, j] (i's score against j, draws as halves; leading
    axes fit independently, e.g. bootstrap resamples) and games[i, j] (games between i and j).

    >>> ratings = fit(np.array([[0, 3.0], [1, 0]]), np.array([[0, 4.0], [4, 0]]), prior=0.0)
    >>> round(float(ratings[1] - ratings[0]), 6) == round(-400 * math.log10(3), 6)
    True
    """
    played = games > 0
    wins = wins + prior / 2 * played
    games = games + prior * played
    total_wins = wins.sum(axis=-1)
    log_strength = np.zeros(total_wins.shape)
    for _ in range(iterations):
        strength = np.exp(log_strength)
        denominator = (games / (strength[..., :, None] + strength[..., None, :])).sum(axis=-1)
        updated = np.log(np.maximum(total_wins, 1e-300) / np.where(denominator > 0, denominator, 1.0))
        updated -= updated.mean(axis=-1, keepdims=True)
        change = np.max(np.abs(updated - log_strength))
        log_strength = updated
        if change < tolerance:
            break
    elo = ELO * log_strength
    return elo - elo[..., :1]


def tables(players: int, results: Sequence[Result]) -> tuple[np.ndarray, np.ndarray]:
    wins = np.zeros((players, players))
    games = np.zeros((players, players))
    for r in results:
        wins[r.first, r.second] += r.score
        wins[r.second, r.first] += 1.0 - r.score
        games[r.first, r.second] += 1
        games[r.second, r.first] += 1
    return wins, games


def rate(players: int, results: Sequence[Result], *, resamples: int = 1000, seed: int = 0, prior: float = 1.0) -> list[Rating]:
    """Ratings with 95% percentile-bootstrap intervals (games resampled within each pair)."""
    wins, games = tables(players, results)
    point = fit(wins, games, prior)
    by_pair: dict[tuple[int, int], list[float]] = {}
    for r in results:
        key = (min(r.first, r.second), max(r.first, r.second))
        by_pair.setdefault(key, []).append(r.score if r.first == key[0] else 1.0 - r.score)
    rng = np.random.default_rng(seed)
    resampled = np.zeros((resamples, players, players))
    for (i, j), scores in by_pair.items():
        picks = np.asarray(scores)[rng.integers(0, len(scores), (resamples, len(scores)))].sum(axis=1)
        resampled[:, i, j] = picks
        resampled[:, j, i] = len(scores) - picks
    draws = fit(resampled, games, prior)
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return [Rating(p, float(point[p]), float(low[p]), float(high[p])) for p in range(players)]
