"""Countdown: reach a target from a few numbers with + - * / and parentheses, each number at most once.

A classic easy-to-verify, hard-to-generate task (used for test-time search by Gandhi et al. 2024,
"Stream of Search"). Problems are generated from a random expression over a random subset of the
numbers, so every generated problem is solvable and many need fewer numbers than given.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from ponder.tasks.base import MAX_STATEMENT_DIGITS, ProblemError, Split, Statement, record_id, require_int, split_of
from ponder.types import Problem
from ponder.verifiers import countdown as checker
from ponder.verifiers.countdown import EVERY_NUMBER, CountdownVerifier, every_number

NAME = "countdown"
NUMBER_RANGE = (1, 25)
TARGET_RANGE = (1, 100)
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_EXPRESSION = re.compile(r"[\d\s+\-*/×÷−()]+")  # a maximal run of expression characters: linear time


def listed(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}" if len(numbers) > 1 else str(numbers[0])


def prompt_for(numbers: list[int], target: int, every: bool = False) -> str:
    each = "every number exactly once" if every else "each number at most once"
    return f"Use the numbers {listed(numbers)} to make {target}. Use + - * / and parentheses, {each}. Reply with the expression."


def make_problem(problem_id: str, numbers: list[int], target: int, every: bool = False) -> Problem:
    """A countdown problem: each number at most once, or (`every`, the 24 game's rule) each exactly once."""
    data: dict[str, Any] = {"numbers": list(numbers), "target": target} | ({"rule": EVERY_NUMBER} if every else {})
    return Problem(id=problem_id, task=NAME, prompt=prompt_for(numbers, target, every), data=data)


def rule_of(problem: Problem) -> str:
    """The rule a countdown problem is graded by, in words."""
    return "every number exactly once" if every_number(problem) else "each number at most once"


def problem_key(numbers: list[int], target: int) -> str:
    return f"{sorted(numbers)}>{target}"


def random_solution(numbers: list[int], rng: random.Random) -> tuple[str, int]:
    """A random expression over a random subset (at least two) of `numbers` whose every intermediate
    value is a positive integer; returns (expression with minimal parentheses, value)."""
    size = rng.randint(2, len(numbers))
    nodes = [(str(n), n, "atom") for n in rng.sample(numbers, size)]
    while len(nodes) > 1:
        i, j = rng.sample(range(len(nodes)), 2)
        (left, a, left_op), (right, b, right_op) = nodes[i], nodes[j]
        ops = ["+"]
        if a > b:
            ops.append("-")
        if a > 1 and b > 1:
            ops.append("*")
        if b > 1 and a % b == 0:
            ops.append("/")
        op = rng.choice(ops)
        if left_op != "atom" and _PRECEDENCE[left_op] < _PRECEDENCE[op]:
            left = f"({left})"
        if right_op != "atom" and (
            _PRECEDENCE[right_op] < _PRECEDENCE[op] or (_PRECEDENCE[right_op] == _PRECEDENCE[op] and op in "-/")
        ):
            right = f"({right})"
        value = {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[op]
        nodes = [n for k, n in enumerate(nodes) if k not in (i, j)] + [(f"{left}{op}{right}", value, op)]
    return nodes[0][0], nodes[0][1]


def random_instance(rng: random.Random, split: Split | None) -> tuple[list[int], int, str]:
    """(numbers, target, one solution) of a solvable problem in `split` (any split when None)."""
    while True:
        numbers = [rng.randint(*NUMBER_RANGE) for _ in range(rng.choice((3, 4)))]
        expression, target = random_solution(numbers, rng)
        if not TARGET_RANGE[0] <= target <= TARGET_RANGE[1]:
            continue
        if split is None or split_of(problem_key(numbers, target)) == split:
            return numbers, target, expression


def extract(text: str) -> str | None:
    """The last arithmetic expression in a reply, without a trailing '= target'.

    >>> extract("Let me think.\\nAnswer: (7-3)*(11-5) = 24")
    '(7-3)*(11-5)'
    """
    for line in reversed(text.strip().splitlines()):
        line = line.split("=")[0] if "=" in line else line
        found = [m.group().strip() for m in _EXPRESSION.finditer(line)]
        found = [f for f in found if any(ch.isdigit() for ch in f)]
        if found:
            return max(found, key=len)
    return None


@dataclass(frozen=True)
class CountdownTask:
    name: str = NAME
    description: str = "reach a target from 3-4 numbers with + - * / (exact checker)"
    verifier: CountdownVerifier = field(default_factory=CountdownVerifier)
    statement: Statement | None = field(default_factory=lambda: STATEMENT)

    def extract(self, text: str) -> str | None:
        return extract(text)

    def grade(self, problem: Problem, answer: str | None) -> bool | None:
        if answer is None:
            return False
        return bool(checker.check(list(problem.data["numbers"]), int(problem.data["target"]), answer, every_number(problem)).correct)

    def from_record(self, record: dict[str, Any]) -> Problem:
        numbers = record.get("numbers")
        if not isinstance(numbers, list) or not 1 <= len(numbers) <= 8:
            raise ProblemError("'numbers' must be a list of 1 to 8 integers")
        if any(type(n) is not int or n < 0 for n in numbers):
            raise ProblemError(f"'numbers' must hold non-negative integers, got {numbers!r}")
        every = record.get("every_number", False)
        if type(every) is not bool:
            raise ProblemError(f"'every_number' must be true or false, got {every!r}")
        return make_problem(record_id(record), numbers, require_int(record, "target"), every)

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        rng = random.Random(f"countdown:{seed}")
        problems = []
        for index in range(count):
            numbers, target, _ = random_instance(rng, split)
            problems.append(make_problem(f"countdown-{seed}-{index}", numbers, target))
        return problems


# Possessive quantifiers (`++`, `*+`) never give back what they matched, so an attempt reads a list of
# numbers once and the search stays linear in the text; the earlier backtracking form took exponential time
# on a long run of digits (one 24-digit chat message froze the server).
_LIST = r"((?:\d++(?:\s*+(?:,|and\b|&))*+\s*+)++)"
_GOAL = r"(?:make|reach|get|equal|form|hit)"
_STATEMENTS = (
    # "Use the numbers 3, 5, 7 and 11 to make 24", "With numbers 2 3 4, reach 10"
    (re.compile(r"\bnumbers?\s++" + _LIST + r"(?:to\s++)?" + _GOAL + r"\s++(\d++)", re.IGNORECASE), 1, 2),
    # "Make 100 from 25, 4, 7, 3", "Can you get 24 with 4 7 8 8?", "reach 10 using the numbers 2, 3 and 4"
    (re.compile(r"\b" + _GOAL + r"\s++(\d++)\s++(?:from|with|using|out\s++of)\s++(?:the\s++)?(?:numbers?\s++)?" + _LIST,
                re.IGNORECASE), 2, 1),
    # "Using 3, 5, 7 and 11, make 24"
    (re.compile(r"\busing\s++(?:the\s++)?(?:numbers?\s++)?" + _LIST + r"(?:,\s*+)?(?:to\s++)?" + _GOAL + r"\s++(\d++)", re.IGNORECASE), 1, 2),
)
# Words that allow some of the numbers (countdown's rule); without them a statement means every number (the
# 24 game's rule: "use the numbers 3, 5, 7 and 11 to make 24" uses all four).
_SOME = re.compile(r"at most once|\bsome of\b|\bany of\b|\bsubset\b|\bnot all\b|\bneed not\b|\bneedn't\b|"
                   r"\b(?:do not|don't) have to\b|\bcountdown\b", re.IGNORECASE)
_EVERY = re.compile(r"\b(?:24|twenty-four) game\b|\bgame of 24\b|\bexactly once\b|\ball (?:of )?the numbers\b|"
                    r"\bevery number\b|\beach number once\b|\ball four\b", re.IGNORECASE)


def parse_statement(text: str) -> tuple[list[int], int] | None:
    """The numbers and target of a countdown problem stated in words (None when a number has more
    than MAX_STATEMENT_DIGITS digits: no countdown problem is that large).

    >>> parse_statement("Use the numbers 3, 5, 7 and 11 to make 24.")
    ([3, 5, 7, 11], 24)
    >>> parse_statement("Make 100 from 25, 4, 7, 3"), parse_statement("Using 2, 3 and 4, reach 10")
    (([25, 4, 7, 3], 100), ([2, 3, 4], 10))
    """
    for pattern, numbers_group, target_group in _STATEMENTS:
        match = pattern.search(text)
        if match is None:
            continue
        numbers = re.findall(r"\d+", match.group(numbers_group))
        target = match.group(target_group)
        if len(numbers) < 2 or any(len(n) > MAX_STATEMENT_DIGITS for n in (*numbers, target)):
            continue
        return [int(n) for n in numbers], int(target)
    return None


def asks_for_every_number(text: str) -> bool:
    """Whether a statement asks for every number (the 24 game) rather than some of them (countdown).

    >>> asks_for_every_number("Use the numbers 3, 5, 7 and 11 to make 24.")
    True
    >>> asks_for_every_number("Use some of the numbers 25, 4, 7 and 3 to make 100."), asks_for_every_number("Make 100 from 25, 4, 7, 3")
    (False, False)
    """
    if _EVERY.search(text):
        return True
    if _SOME.search(text):
        return False
    return _STATEMENTS[0][0].search(text) is not None or _STATEMENTS[2][0].search(text) is not None  # "use the numbers ..."


def read_statement(text: str, problem_id: str) -> Problem | None:
    stated = parse_statement(text)
    return None if stated is None else make_problem(problem_id, *stated, every=asks_for_every_number(text))


def describe(problem: Problem) -> str:
    return f"countdown: make {problem.data['target']} from {listed(problem.data['numbers'])}, {rule_of(problem)}"


STATEMENT = Statement("a countdown problem like 'Use the numbers 3, 5, 7 and 11 to make 24.'", read_statement, describe)
