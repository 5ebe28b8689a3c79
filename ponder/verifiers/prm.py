"""Process verifiers (PRMs): score a partial solution, step by step, in [0, 1].

A process verifier reads a problem and the steps of a partial solution in plain notation
(`thinking.steps`: ``7 - 3 = 4`` per countdown operation; one partial product per line, then
``= product``, for multiplication) and says how promising it is; a finished solution gets its final
score. Every scoring is charged to the budget: `cost_bound` is what one may spend at most (reserved
first), `Verdict.tokens` what it spent (the tokens it read and wrote), `verifier_calls` counts calls.

Three kinds (`ponder.loading.load_prm`): `exact` (below: checks what can be checked exactly, the oracle that separates
a search algorithm from its scorer's noise), `learned` (`embedded.prm`: a small value model
trained from Monte Carlo rollouts, Wang et al. 2024, "Math-Shepherd") and `openai:MODEL@URL`
(`verifiers.llm_prm`: any chat model prompted to grade the steps, so a real reward model plugs in).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Protocol, Sequence

from ponder.errors import PonderError
from ponder.thinking.steps import PLAIN_OPERATION
from ponder.types import Problem, Verdict
from ponder.verifiers.countdown import values_by_subset

MAX_STEP_DIGITS = 100  # a longer number in a step is none the problem has (and int() refuses over 4,300 digits)


class PRMError(PonderError, ValueError):
    """A process verifier cannot be built or cannot judge this task."""


@dataclass(frozen=True)
class PartialSolution:
    """What a process verifier reads: steps in plain notation, and whether the solution is finished."""

    steps: tuple[str, ...]
    finished: bool = False


class ProcessVerifier(Protocol):
    name: str

    def cost_bound(self, problem: Problem, partial: PartialSolution) -> int:
        """The most tokens scoring `partial` may spend (reserved from the budget before it runs)."""
        ...

    async def score(self, problem: Problem, partials: Sequence[PartialSolution]) -> list[Verdict]:
        """One verdict per partial solution: score in [0, 1]; `correct` for a finished one when known."""
        ...


def header(problem: Problem) -> str:
    """The problem in the plain notation steps are written in.

    >>> header(Problem(id="p", task="countdown", prompt="", data={"numbers": [3, 5, 7, 11], "target": 24}))
    '3 5 7 11 > 24'
    """
    data = problem.data
    if "numbers" in data and "target" in data:
        return f"{' '.join(str(n) for n in data['numbers'])} > {data['target']}"
    if "a" in data and "b" in data:
        return f"{data['a']} * {data['b']}"
    raise PRMError(f"process verifiers know countdown and multiplication problems, not {problem.task!r}")


# -- exact: countdown ------------------------------------------------------------------------------
def _apply(a: int, op: str, b: int) -> Fraction | None:
    op = {"x": "*", "×": "*", "÷": "/", "−": "-"}.get(op, op)
    if op == "+":
        return Fraction(a + b)
    if op == "-":
        return Fraction(a - b)
    if op == "*":
        return Fraction(a * b)
    return Fraction(a, b) if b else None


@lru_cache(maxsize=65536)
def can_reach(numbers: tuple[Fraction, ...], target: int) -> bool:
    """Whether some expression over some of `numbers` (each at most once) equals `target`.

    >>> can_reach((Fraction(3), Fraction(8)), 24), can_reach((Fraction(3), Fraction(8)), 25)
    (True, False)
    """
    return any(target in values for values in values_by_subset(numbers).values())


def countdown_progress(numbers: Sequence[int], target: int, steps: Sequence[str]) -> tuple[float, bool, str]:
    """(score, hit, why) of countdown steps: 0 once a step uses a number not available or computes
    wrongly; else 1 when the target can still be reached from the numbers left, 0 when it cannot.

    >>> countdown_progress([3, 5, 7, 11], 24, ["7 - 3 = 4", "11 - 5 = 6"])
    (1.0, False, 'the numbers left (4, 6) still reach 24')
    >>> countdown_progress([3, 5, 7, 11], 24, ["7 - 3 = 4", "11 - 5 = 6", "4 * 6 = 24"])[:2]
    (1.0, True)
    >>> countdown_progress([3, 5, 7, 11], 24, ["7 * 3 = 20"])[0]
    0.0
    """
    pool = Counter(Fraction(n) for n in numbers)
    for step in steps:
        match = PLAIN_OPERATION.search(step)
        if match is None:
            continue  # words between operations are neither right nor wrong
        if max(len(group) for group in match.groups()) > MAX_STEP_DIGITS:
            return 0.0, False, f"{step[:40]!r} uses a number that is not left"
        a, op, b, claimed = int(match.group(1)), match.group(2), int(match.group(3)), int(match.group(4))
        used = Counter([Fraction(a), Fraction(b)])
        if used - pool:
            return 0.0, False, f"{step!r} uses a number that is not left"
        value = _apply(a, op, b)
        if value != claimed:
            return 0.0, False, f"{step!r} is wrong"
        pool = pool - used + Counter([value])
        if value == target:
            return 1.0, True, f"{step!r} reaches the target"
    left = tuple(sorted(pool.elements()))
    if can_reach(left, target):
        return 1.0, False, f"the numbers left ({', '.join(str(v) for v in left)}) still reach {target}"
    return 0.0, False, f"{target} cannot be reached from the numbers left"


# -- exact: multiplication -------------------------------------------------------------------------
def multiplication_progress(a: int, b: int, steps: Sequence[str]) -> tuple[float, bool, str]:
    """(score, right, why) of long-multiplication steps: each line a partial product of `a` with one
    digit of `b` (least significant first, shifted), then '= product' their sum.

    >>> multiplication_progress(123, 456, ["738", "6150"])
    (1.0, False, 'every partial product so far is right')
    >>> multiplication_progress(123, 456, ["738", "6150", "49200", "= 56088"])[:2]
    (1.0, True)
    >>> multiplication_progress(123, 456, ["738", "6160"])[0]
    0.0
    """
    digits = str(b)[::-1]
    partials: list[int] = []
    for step in steps:
        text = step.strip()
        if text.startswith("="):
            if len(partials) != len(digits):
                return 0.0, False, f"the product comes after {len(partials)} of {len(digits)} partial products"
            product = _number(text[1:])
            if product != sum(partials):
                return 0.0, False, f"the partial products do not add up to {product}"
            return 1.0, True, "every partial product and their sum are right"
        value = _number(text)
        index = len(partials)
        if value is None or index >= len(digits) or value != a * int(digits[index]) * 10**index:
            return 0.0, False, f"partial product {index + 1} ({text}) is wrong"
        partials.append(value)
    return 1.0, False, "every partial product so far is right"


def _number(text: str) -> int | None:
    text = text.strip().replace(",", "")
    return int(text) if text.isdecimal() and len(text) <= MAX_STEP_DIGITS else None


@dataclass(frozen=True)
class ExactPRM:
    """The exact process verifier of countdown and multiplication (no tokens: it computes)."""

    name: str = "exact"

    def cost_bound(self, problem: Problem, partial: PartialSolution) -> int:
        return 0

    async def score(self, problem: Problem, partials: Sequence[PartialSolution]) -> list[Verdict]:
        return [self.judge(problem, partial) for partial in partials]

    def judge(self, problem: Problem, partial: PartialSolution) -> Verdict:
        data = problem.data
        if "numbers" in data and "target" in data:
            score, hit, why = countdown_progress(data["numbers"], int(data["target"]), partial.steps)
            if partial.finished:
                return Verdict(1.0 if hit else 0.0, hit, why)
            return Verdict(score, True if hit else (False if score == 0 else None), why)
        if "a" in data and "b" in data:
            score, right, why = multiplication_progress(int(data["a"]), int(data["b"]), partial.steps)
            if partial.finished:
                return Verdict(1.0 if right else 0.0, right, why)
            return Verdict(score, False if score == 0 else None, why)
        raise PRMError(f"the exact process verifier knows countdown and multiplication, not {problem.task!r}")
