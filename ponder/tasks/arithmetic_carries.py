"""3×3-digit multiplication from a second, independent generator: each digit is drawn on its own, high
digits (6-9) seven times in ten, so products carry far more often than uniformly drawn factors do.

An evaluation generator no model or process verifier in ponder was trained on (they all train on
uniformly drawn factors, `tasks.arithmetic`); problems come from the held-out split of the content
hash as well, so none can have been seen in training.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ponder.tasks.arithmetic import ArithmeticTask, make_problem
from ponder.tasks.base import Split, Statement, split_of
from ponder.types import Problem

NAME = "arithmetic-carries"
HIGH_DIGIT_SHARE = 0.7


def carrying_factor(rng: random.Random) -> int:
    """A 3-digit number, each digit 6-9 with probability 0.7, else 0-5 (1-5 for the leading digit)."""
    digits = [rng.randint(6, 9) if rng.random() < HIGH_DIGIT_SHARE else rng.randint(1 if i == 0 else 0, 5) for i in range(3)]
    return int("".join(map(str, digits)))


@dataclass(frozen=True)
class CarryingArithmeticTask(ArithmeticTask):
    name: str = NAME
    statement: Statement | None = None  # a multiplication in words is an arithmetic problem
    description: str = "3-digit × 3-digit multiplication, digits mostly 6-9 (independent generator: many carries)"

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        rng = random.Random(f"{NAME}:{seed}")
        problems = []
        while len(problems) < count:
            a, b = carrying_factor(rng), carrying_factor(rng)
            if split_of(f"{a}*{b}") == split:
                problems.append(make_problem(f"{NAME}-{seed}-{len(problems)}", a, b))
        return problems
