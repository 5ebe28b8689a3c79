"""The value of a short math answer (digits, + - * / ^ **, parentheses, sqrt, pi), in bounded time.

Answers come from models and users, so they are untrusted: `9**9**8` made sympy's parser compute a number
of 41 million digits and never return. Here nothing is computed before its size is known: an exact power
is refused when its result would pass MAX_BITS, an approximate one when its exponent passes
MAX_EXPONENT, and the text itself is at most MAX_CHARS long (so the tree is small and shallow). Rational
expressions are evaluated exactly (Fractions); sqrt of a non-square and pi switch to 60-digit binary
floating point (mpmath), compared within a relative tolerance far below any answer's own precision.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from fractions import Fraction
from typing import Union

import mpmath

MAX_CHARS = 100
MAX_BITS = 100_000  # an exact intermediate result's numerator or denominator
MAX_EXPONENT = 10_000  # |exponent| of an approximate power
PRECISION_DIGITS = 60
TOLERANCE = mpmath.mpf(10) ** -40  # relative: two approximate values this close are the same number
_ALPHABET = re.compile(r"(?:[0-9.+\-*/^() ]|sqrt|pi)*")
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_CONTEXT = mpmath.MPContext()
_CONTEXT.dps = PRECISION_DIGITS

Value = Union[Fraction, mpmath.mpf]


class Unevaluable(ValueError):
    """The text has no value here: no expression of this alphabet, or undefined (the reason is the message)."""


class TooLarge(Unevaluable):
    """The expression has a value, but one too large to compute within the bounds."""


def value_of(text: str) -> Value:
    """The exact (Fraction) or 60-digit approximate value of `text`; Unevaluable when it has none here.

    >>> value_of("3/4 + 0.25")
    Fraction(1, 1)
    >>> value_of("2^10")
    Fraction(1024, 1)
    """
    if len(text) > MAX_CHARS:
        raise Unevaluable(f"longer than {MAX_CHARS} characters")
    if not _ALPHABET.fullmatch(text):
        raise Unevaluable("not an arithmetic expression")
    source = text.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise Unevaluable("not an arithmetic expression") from None
    return _evaluate(tree.body, source)


def same_value(a: Value, b: Value) -> bool:
    """Whether two values are the same number: exactly for two Fractions, within TOLERANCE otherwise."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    x, y = _approximate(a), _approximate(b)
    return bool(abs(x - y) <= TOLERANCE * max(abs(x), abs(y), 1))


def _evaluate(node: ast.AST, source: str) -> Value:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        literal = ast.get_source_segment(source, node) or ""
        try:
            return Fraction(literal)  # the literal as written: 0.1 is 1/10, not the nearest double
        except (ValueError, ZeroDivisionError):
            raise Unevaluable(f"not a number: {literal!r}") from None
    if isinstance(node, ast.Name) and node.id == "pi":
        return _CONTEXT.pi
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _evaluate(node.operand, source)
        return -value if isinstance(node.op, ast.USub) else value
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sqrt"
            and len(node.args) == 1 and not node.keywords):
        return _sqrt(_evaluate(node.args[0], source))
    if isinstance(node, ast.BinOp) and isinstance(node.op, _OPERATORS):
        left, right = _evaluate(node.left, source), _evaluate(node.right, source)
        return _binary(node.op, left, right)
    raise Unevaluable("only numbers, + - * / ^, parentheses, sqrt and pi are allowed")


def _binary(op: ast.operator, left: Value, right: Value) -> Value:
    if isinstance(op, ast.Pow):
        return _power(left, right)
    if isinstance(op, ast.Div) and right == 0:
        raise Unevaluable("division by zero")
    if isinstance(left, Fraction) and isinstance(right, Fraction):
        return _checked(_ARITHMETIC[type(op)](left, right))
    return _ARITHMETIC[type(op)](_approximate(left), _approximate(right))


def _power(base: Value, exponent: Value) -> Value:
    if isinstance(base, Fraction) and isinstance(exponent, Fraction) and exponent.denominator == 1:
        e = exponent.numerator
        if base == 0 and e < 0:
            raise Unevaluable("division by zero")
        if base in (0, 1) or e == 0:
            return Fraction(1) if e == 0 else base
        if base == -1:
            return Fraction(-1 if e % 2 else 1)
        size = max(abs(base.numerator).bit_length(), base.denominator.bit_length())
        if abs(e) * size > MAX_BITS:
            raise TooLarge(f"a power too large to check (exponent {e})")
        return base**e
    x, y = _approximate(base), _approximate(exponent)
    if abs(y) > MAX_EXPONENT:
        raise TooLarge("a power too large to check")
    if x < 0:
        raise Unevaluable("a fractional power of a negative number")
    if x == 0 and y <= 0:
        raise Unevaluable("division by zero")
    return _CONTEXT.power(x, y)


def _sqrt(value: Value) -> Value:
    if value < 0:
        raise Unevaluable("the square root of a negative number")
    if isinstance(value, Fraction):
        top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
        if top * top == value.numerator and bottom * bottom == value.denominator:
            return Fraction(top, bottom)
    return _CONTEXT.sqrt(_approximate(value))


def _checked(value: Fraction) -> Fraction:
    if max(abs(value.numerator).bit_length(), value.denominator.bit_length()) > MAX_BITS:
        raise TooLarge("a number too large to check")
    return value


def _approximate(value: Value) -> mpmath.mpf:
    if isinstance(value, Fraction):
        return _CONTEXT.mpf(value.numerator) / value.denominator
    return value
