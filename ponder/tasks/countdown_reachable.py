"""Countdown problems whose target is drawn uniformly from everything the numbers can reach.

An evaluation generator independent of every training generator in ponder: the numbers are drawn
uniformly (4 in 1-25 by default), then the target uniformly from all whole numbers in 1-100 that some
expression over two or more of them equals (exact rational arithmetic, any intermediate value). A model
that learned its training generator's habits rather than a procedure scores far lower here.
Also lists the classic 24 game: every multiset of four numbers in 1-13 that makes 24 using all four.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from ponder.tasks.base import Split, Statement, split_of
from ponder.tasks.countdown import NUMBER_RANGE, TARGET_RANGE, CountdownTask, make_problem, problem_key
from ponder.types import Problem
from ponder.verifiers.countdown import values_by_subset

NAME = "countdown-reachable"


@lru_cache(maxsize=4096)
def reachable_targets(numbers: tuple[int, ...], low: int = TARGET_RANGE[0], high: int = TARGET_RANGE[1]) -> tuple[int, ...]:
    """The whole numbers in [low, high] that an expression over two or more of `numbers` equals.

    >>> reachable_targets((2, 3), 1, 10)
    (1, 5, 6)
    """
    found = set()
    for mask, values in values_by_subset(list(numbers)).items():
        if mask & (mask - 1):  # two or more numbers
            found |= {int(v) for v in values if v.denominator == 1 and low <= v <= high}
    return tuple(sorted(found))


def uniform_reachable_instance(rng: random.Random, size: int, split: Split | None) -> tuple[list[int], int]:
    while True:
        numbers = [rng.randint(*NUMBER_RANGE) for _ in range(size)]
        targets = reachable_targets(tuple(sorted(numbers)))
        if not targets:
            continue
        target = rng.choice(targets)
        if split is None or split_of(problem_key(numbers, target)) == split:
            return numbers, target


def game_of_24() -> list[tuple[int, int, int, int]]:
    """Every multiset of four numbers in 1-13 that makes 24 using all four (the classic game)."""
    hands = []
    for hand in itertools.combinations_with_replacement(range(1, 14), 4):
        if Fraction(24) in values_by_subset(hand)[0b1111]:
            hands.append(hand)
    return hands


@dataclass(frozen=True)
class CountdownReachableTask(CountdownTask):
    name: str = NAME
    statement: Statement | None = None  # a countdown statement in words is a countdown problem
    description: str = "countdown, 4 numbers in 1-25, target uniform over all reachable (independent generator)"
    size: int = field(default=4)

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        rng = random.Random(f"{NAME}:{seed}")
        problems = []
        for index in range(count):
            numbers, target = uniform_reachable_instance(rng, self.size, split)
            problems.append(make_problem(f"{NAME}-{seed}-{index}", numbers, target))
        return problems
