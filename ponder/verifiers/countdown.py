"""Exact countdown checker: the expression must use only the given numbers (each at most as often as
given), only + - * / and parentheses, and equal the target exactly (rational arithmetic)."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from ponder.types import Problem, Verdict
from ponder.verifiers.base import UNPARSABLE

EVERY_NUMBER = "every number"  # a problem's `data["rule"]` when each number must be used exactly once (absent: at most once)
MAX_EXPRESSION_CHARS = 200  # longer input is rejected before parsing
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_NORMALISE = str.maketrans({"×": "*", "÷": "/", "−": "-", "x": "*", "X": "*"})


class InvalidExpression(ValueError):
    """The expression is not a countdown expression (the reason is the message)."""


def evaluate(expression: str) -> tuple[Fraction, list[int]]:
    """Evaluate a countdown expression exactly; return its value and the numbers it uses.

    >>> evaluate("(7-3)*(11-5)")
    (Fraction(24, 1), [7, 3, 11, 5])
    """
    text = expression.translate(_NORMALISE).strip()
    if not text:
        raise InvalidExpression("empty expression")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise InvalidExpression(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise InvalidExpression(f"not an arithmetic expression: {expression!r}") from None
    used: list[int] = []
    return _eval(tree.body, used), used


def _eval(node: ast.AST, used: list[int]) -> Fraction:
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        used.append(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _eval(node.left, used), _eval(node.right, used)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            raise InvalidExpression("division by zero")
        return left / right
    raise InvalidExpression("only whole numbers, + - * / and parentheses are allowed")


def check(numbers: list[int], target: int, expression: str, every_number: bool = False) -> Verdict:
    """The verdict for one expression: correct, or why not. `every_number`: the rule of the 24 game (each
    number exactly once); else countdown's (each at most once).

    >>> check([3, 5, 7, 11], 24, "5*7-11").correct, check([3, 5, 7, 11], 24, "5*7-11", every_number=True).feedback
    (True, 'leaves out 3: every number must be used once')
    """
    try:
        value, used = evaluate(expression)
    except InvalidExpression as error:
        return Verdict(score=0.0, correct=False, feedback=str(error))
    excess = Counter(used) - Counter(numbers)
    if excess:
        extra = ", ".join(str(n) for n in sorted(excess.elements()))
        return Verdict(score=0.0, correct=False, feedback=f"uses numbers not given (or too often): {extra}")
    missing = Counter(numbers) - Counter(used)
    if every_number and missing:
        left_out = ", ".join(str(n) for n in sorted(missing.elements()))
        return Verdict(score=0.0, correct=False, feedback=f"leaves out {left_out}: every number must be used once")
    if value == target:
        return Verdict(score=1.0, correct=True, feedback=f"{expression} = {target}")
    # A graded score lets weighted voting prefer near misses; it never reaches 1.
    closeness = 1.0 / (1.0 + float(abs(value - target)))
    return Verdict(score=0.5 * closeness, correct=False, feedback=f"{expression} = {value}, not {target}")


@dataclass(frozen=True)
class CountdownVerifier:
    name: str = "countdown"
    max_tokens: int = 0

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        if answer is None:
            return UNPARSABLE
        return check(list(problem.data["numbers"]), int(problem.data["target"]), answer, every_number(problem))


def every_number(problem: Problem) -> bool:
    """Whether a countdown problem asks for every number (the 24 game's rule) rather than some of them."""
    return problem.data.get("rule") == EVERY_NUMBER


def _combine(a: Fraction, b: Fraction) -> set[Fraction]:
    values = {a + b, a - b, b - a, a * b}
    if b:
        values.add(a / b)
    if a:
        values.add(b / a)
    return values


def values_by_subset(numbers: Sequence[int]) -> dict[int, set[Fraction]]:
    """Every value an expression over each subset (a bit mask) of the numbers can take, each used once."""
    size = len(numbers)
    values: dict[int, set[Fraction]] = {1 << i: {Fraction(n)} for i, n in enumerate(numbers)}
    for mask in range(1, 1 << size):
        if mask in values:
            continue
        found: set[Fraction] = set()
        part = (mask - 1) & mask
        while part:
            rest = mask ^ part
            if part < rest:  # each split once; _combine covers both orders
                for a in values[part]:
                    for b in values[rest]:
                        found |= _combine(a, b)
            part = (part - 1) & mask
        values[mask] = found
    return values
