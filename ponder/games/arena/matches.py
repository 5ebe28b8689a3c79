"""What matches of many hands found (`ponder arena --hands`): each player's payoff per hand against each
opponent, how it changes as hands are observed, paired comparisons of two players against the same opponent on
the same deals, and the learners' own exploitability at checkpoints.

Deals depend on the round and hand only, and the player listed earlier in a pair sits in seat (round + hand) % 2,
so two players listed before a common opponent meet it on the same deals from the same seats: their per-hand
difference is a paired comparison. Intervals are 95% and over matches, not hands: a learner's hands within one match
share what it learned there, so they are not independent draws (a cluster-robust interval, Student's t with
matches − 1 degrees of freedom; one match gives no interval).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ponder.games.arena.play import MatchRecord

BUCKETS = (10, 30, 100, 300, 1000, 3000, 10000)  # hands observed: the report's x axis


@dataclass(frozen=True)
class PairPayoff:
    player: int
    opponent: int
    hands: int
    payoff_per_hand: float
    ci95: tuple[float, float]
    by_hands: tuple[tuple[int, int, float], ...]  # (first hand, last hand, payoff per hand there), hands from 1


@dataclass(frozen=True)
class PairedGain:
    player: int
    baseline: int
    opponent: int
    after: int  # hands observed before the compared ones
    hands: int
    gain_per_hand: float  # player's payoff minus the baseline's, same deals and seats
    ci95: tuple[float, float]


T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """Student's t 97.5% quantile: the table to 30 degrees of freedom, then the Cornish–Fisher expansion (error < 1e-3).

    >>> t975(1), t975(10), round(t975(120), 3)
    (12.706, 2.228, 1.98)
    """
    if df <= len(T975):
        return T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def clustered_mean_ci(groups: Sequence[Sequence[float]]) -> tuple[float, tuple[float, float]]:
    """Mean of every value, and a 95% interval that treats each group (a match) as one independent draw: the
    cluster-robust standard error (Liang & Zeger 1986; the G / (G − 1) correction) with Student's t on G − 1 degrees
    of freedom. With groups of equal size it is the usual interval over the groups' means; one group gives none.

    >>> mean, (low, high) = clustered_mean_ci([[1.0, 1.0], [3.0, 3.0]]); mean, round(low, 3), round(high, 3)
    (2.0, -10.706, 14.706)
    """
    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    values = np.concatenate(groups)
    mean = float(values.mean())
    if len(groups) < 2:
        return mean, (-math.inf, math.inf)
    spread = sum(float(g.sum() - len(g) * mean) ** 2 for g in groups)
    half = t975(len(groups) - 1) * math.sqrt(len(groups) / (len(groups) - 1) * spread) / len(values)
    return mean, (mean - half, mean + half)


def _series(matches: Sequence[tuple[int, int, int, MatchRecord]]) -> dict[tuple[int, int], dict[int, list[float]]]:
    """(player, opponent) -> round -> the player's return hand by hand."""
    series: dict[tuple[int, int], dict[int, list[float]]] = defaultdict(dict)
    for first, second, round_, match in matches:
        series[(first, second)][round_] = [r[0] for r in match.returns]
        series[(second, first)][round_] = [r[1] for r in match.returns]
    return series


def pair_payoffs(matches: Sequence[tuple[int, int, int, MatchRecord]]) -> list[PairPayoff]:
    pairs = []
    for (player, opponent), rounds in sorted(_series(matches).items()):
        hands = [v for values in rounds.values() for v in values]
        mean, ci = clustered_mean_ci(list(rounds.values()))
        buckets = []
        start = 0
        for end in BUCKETS:
            window = [v for values in rounds.values() for v in values[start:end]]
            if window:
                buckets.append((start + 1, min(end, max(len(v) for v in rounds.values())), float(np.mean(window))))
            start = end
        pairs.append(PairPayoff(player, opponent, len(hands), mean, ci, tuple(buckets)))
    return pairs


def paired_gains(matches: Sequence[tuple[int, int, int, MatchRecord]], after: int = 100) -> list[PairedGain]:
    """For each opponent, each learning player and each non-learning player listed before it that both met it:
    the per-hand difference of their payoffs on the same (round, hand), over the hands after the first `after`."""
    series = _series(matches)
    names = {i: name for first, second, _, m in matches for i, name in zip((first, second), m.players)}
    learners = {i for i, name in names.items() if any(name in m.findings for *_, m in matches)}
    gains = []
    opponents = sorted({o for _, o in series})
    for opponent in opponents:
        players = sorted(p for p, o in series if o == opponent and p < opponent)
        for player in players:
            for baseline in players:
                if player not in learners or baseline in learners:
                    continue
                by_match = []
                for round_, values in series[(player, opponent)].items():
                    other = series[(baseline, opponent)].get(round_)
                    if other is not None:
                        by_match.append([a - b for a, b in zip(values[after:], other[after:])])
                hands = sum(len(d) for d in by_match)
                if hands > 1:
                    mean, ci = clustered_mean_ci(by_match)
                    gains.append(PairedGain(player, baseline, opponent, after, hands, mean, ci))
    return gains


def exploitability_by_hands(matches: Sequence[tuple[int, int, int, MatchRecord]]) -> dict[str, dict[int, float]]:
    """Learner name -> hands observed -> its strategy's exact exploitability, averaged over its matches."""
    seen: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for _, _, _, match in matches:
        for name, found in match.findings.items():
            for hands, value in (found.get("exploitability") or {}).items():
                seen[name][int(hands)].append(float(value))
    return {name: {h: float(np.mean(v)) for h, v in sorted(by.items())} for name, by in seen.items()}
