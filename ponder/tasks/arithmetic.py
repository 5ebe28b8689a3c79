"""Multi-digit multiplication, at a size hard enough for the tiny model that sampled answers disagree,
so voting over final answers helps (self-consistency, Wang et al. 2022)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from ponder.tasks.base import MAX_STATEMENT_DIGITS, Split, Statement, record_id, require_int, split_of
from ponder.types import Problem
from ponder.verifiers.math_answer import MathAnswerVerifier, equivalent, extract_final_answer

NAME = "arithmetic"
DEFAULT_DIGITS = (3, 3)  # digits of the two factors
# Linear time on untrusted text: a match starts only where a run of digits starts (the lookbehind), and
# possessive quantifiers never re-read what they matched. Without the lookbehind the search tried every
# digit of a long run as a start: quadratic (a 20,000-digit message blocked the server for 40 s).
_STATEMENTS = (
    re.compile(r"(?<!\d)(\d++)\s*+(?:×|\*|x|times|multiplied by)\s*+(\d++)", re.IGNORECASE),  # "123 × 456", "7 times 8"
    re.compile(r"\bmultiply\s++(\d++)\s++(?:by|and|with)\s++(\d++)", re.IGNORECASE),  # "multiply 12 by 34"
    re.compile(r"\bproduct\s++of\s++(\d++)\s++(?:and|&|,)\s*+(\d++)", re.IGNORECASE),  # "the product of 12 and 34"
)


def prompt_for(a: int, b: int) -> str:
    return f"What is {a} × {b}?"


def parse_statement(text: str) -> tuple[int, int] | None:
    """The two factors of the first multiplication stated in words (None when a factor has more than
    MAX_STATEMENT_DIGITS digits).

    >>> parse_statement("What is 123 × 456?"), parse_statement("Multiply 12 by 34"), parse_statement("the product of 7 and 8")
    ((123, 456), (12, 34), (7, 8))
    """
    for pattern in _STATEMENTS:
        match = pattern.search(text)
        if match and max(len(match.group(1)), len(match.group(2))) <= MAX_STATEMENT_DIGITS:
            return int(match.group(1)), int(match.group(2))
    return None


def make_problem(problem_id: str, a: int, b: int) -> Problem:
    return Problem(id=problem_id, task=NAME, prompt=prompt_for(a, b), data={"a": a, "b": b, "answer": str(a * b)})


def random_factors(rng: random.Random, split: Split | None, digits: tuple[int, int] = DEFAULT_DIGITS) -> tuple[int, int]:
    """Two factors with the given numbers of digits, from `split` (any split when None)."""
    while True:
        a, b = (rng.randint(10 ** (d - 1), 10**d - 1) for d in digits)
        if split is None or split_of(f"{a}*{b}") == split:
            return a, b


@dataclass(frozen=True)
class ArithmeticTask:
    name: str = NAME
    description: str = "multi-digit multiplication (answer voting; reference-answer verifier)"
    verifier: MathAnswerVerifier = field(default_factory=MathAnswerVerifier)
    digits: tuple[int, int] = DEFAULT_DIGITS  # digits of the generated factors
    statement: Statement | None = field(default_factory=lambda: STATEMENT)

    def extract(self, text: str) -> str | None:
        return extract_final_answer(text)

    def grade(self, problem: Problem, answer: str | None) -> bool | None:
        return equivalent(answer, str(problem.data["answer"]))

    def from_record(self, record: dict[str, Any]) -> Problem:
        a, b = require_int(record, "a", 0), require_int(record, "b", 0)
        return make_problem(record_id(record), a, b)

    def generate(self, count: int, seed: int, split: Split = "test") -> list[Problem]:
        rng = random.Random(f"arithmetic:{seed}")
        return [make_problem(f"arithmetic-{seed}-{i}", *random_factors(rng, split, self.digits)) for i in range(count)]


def read_statement(text: str, problem_id: str) -> Problem | None:
    factors = parse_statement(text)
    return None if factors is None else make_problem(problem_id, *factors)


def describe(problem: Problem) -> str:
    return f"multiplication: {problem.data['a']} × {problem.data['b']}"


STATEMENT = Statement("a multiplication like 'What is 123 × 456?'", read_statement, describe)
