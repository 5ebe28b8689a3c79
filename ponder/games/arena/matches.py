"""What matches of many hands found (`ponder arena --hands`): each player's payoff per hand against each
opponent, how it changes as hands are observed, paired comparisons of two players against the same opponent on
the same deals, and the learners' own exploitability at checkpoints.

Deals depend on the round and hand only, and the player listed earlier in a pair sits in seat (round + hand) % 2,
so two players listed before a common opponent meet it on the same deals from the same seats: their per-hand
difference is a paired comparison. Intervals are normal approximations over hands (95%).
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


def mean_ci(values: Sequence[float]) -> tuple[float, tuple[float, float]]:
    """Mean and normal-approximation 95% interval.

    >>> mean, (low, high) = mean_ci([1.0, 3.0]); round(mean, 2), round(low, 2), round(high, 2)
    (2.0, 0.04, 3.96)
    """
    array = np.asarray(values, dtype=float)
    mean = float(array.mean())
    half = 1.96 * float(array.std(ddof=1)) / math.sqrt(len(array)) if len(array) > 1 else float("inf")
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
        mean, ci = mean_ci(hands)
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
                differences = []
                for round_, values in series[(player, opponent)].items():
                    other = series[(baseline, opponent)].get(round_)
                    if other is not None:
                        differences += [a - b for a, b in zip(values[after:], other[after:])]
                if len(differences) > 1:
                    mean, ci = mean_ci(differences)
                    gains.append(PairedGain(player, baseline, opponent, after, len(differences), mean, ci))
    return gains


def exploitability_by_hands(matches: Sequence[tuple[int, int, int, MatchRecord]]) -> dict[str, dict[int, float]]:
    """Learner name -> hands observed -> its strategy's exact exploitability, averaged over its matches."""
    seen: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for _, _, _, match in matches:
        for name, found in match.findings.items():
            for hands, value in (found.get("exploitability") or {}).items():
                seen[name][int(hands)].append(float(value))
    return {name: {h: float(np.mean(v)) for h, v in sorted(by.items())} for name, by in seen.items()}
