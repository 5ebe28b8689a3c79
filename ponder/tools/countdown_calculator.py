"""ponder-think's compact search language for countdown, and the calculator it calls in its thought.

A prompt is ``T3 5 7 11>24:``. The thought is a depth-first search, one line per step, lines ending
in ``;``. The model names an operation on the current numbers by position and operator (``ab+`` is
first + second; ``ca-`` is third - first); the calculator appends the result and the numbers that
remain, remaining numbers first and the result last (``=8|7 11 8;``). With two numbers left an
operation is a check: only its result is shown (``=26;``) and the state stays. ``<`` backs up one
level and the calculator shows the numbers there (``|3 5 7 11;``). A result equal to the target is
marked with ``!`` and the operations that led to it (``=24!ca-ba-ab*;``): the calculator does the
arithmetic, the bookkeeping and the check, and the model decides what to try, when to back up and when
to stop. ``#`` ends the thought; the answer is the operations on the path that reached the target,
which `render_answer` turns into an ordinary expression. Stream of Search (Gandhi et al. 2024) writes
such a search in words; here every number is written by the tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

TAG = "T"
CLOSE = "#"  # ends the thought
BACK = "<"  # back up one level
LINE = ";"  # ends a line of the thought
HIT = "!"  # the calculator's mark of a result equal to the target
POSITIONS = "abcdef"
OPERATORS = "+-*/"
_PROMPT = re.compile(r"^T(\d+(?: \d+)*)>(\d+):$")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def think_prompt(numbers: Sequence[int], target: int) -> str:
    """The compact prompt of a problem.

    >>> think_prompt([3, 5, 7, 11], 24)
    'T3 5 7 11>24:'
    """
    return f"{TAG}{' '.join(str(n) for n in numbers)}>{target}:"


def parse_prompt(prompt: str) -> tuple[list[int], int] | None:
    match = _PROMPT.match(prompt)
    if match is None:
        return None
    return [int(n) for n in match.group(1).split()], int(match.group(2))


def apply(a: int, b: int, op: str) -> int | None:
    """a op b when it is a positive whole number, else None (the search stays in positive integers)."""
    if op == "+":
        return a + b
    if op == "*":
        return a * b
    if op == "-":
        return a - b if a > b else None
    if op == "/":
        return a // b if b and a % b == 0 else None
    return None


def after(state: Sequence[int], i: int, j: int, result: int) -> tuple[int, ...]:
    """The numbers after combining positions i and j: the others in order, then the result."""
    return tuple(n for k, n in enumerate(state) if k not in (i, j)) + (result,)


def show(state: Sequence[int]) -> str:
    return " ".join(str(n) for n in state)


def parse_operation(text: str, size: int) -> tuple[int, int, str] | None:
    """(i, j, operator) for text like 'ab+' naming two different positions among `size` numbers."""
    if len(text) != 3 or text[2] not in OPERATORS:
        return None
    i, j = POSITIONS.find(text[0]), POSITIONS.find(text[1])
    if not (0 <= i < size and 0 <= j < size) or i == j:
        return None
    return i, j, text[2]


@dataclass
class CalculatorSession:
    """One chain's calculator: a stack of states (the root at the bottom), the operations that made
    each, and the target."""

    stack: list[tuple[int, ...]] = field(default_factory=list)
    target: int | None = None
    path: list[str] = field(default_factory=list)  # the operation that made each state above the root
    tried: dict[tuple[str, ...], set[tuple[int, ...]]] = field(default_factory=dict)  # per state: what its operations made

    _open: tuple[tuple, list[str]] | None = None  # (state key, its open operations): decoding asks at every step

    def open_operations(self) -> list[str]:
        """The operations still worth calling at the current state: a positive whole result whose
        outcome this state has not seen yet."""
        state = self.stack[-1]
        seen = self.tried.get(tuple(self.path), set())
        key = (tuple(self.path), len(seen))
        if self._open is not None and self._open[0] == key:
            return self._open[1]
        found = []
        for i in range(len(state)):
            for j in range(len(state)):
                for op in OPERATORS if i != j else ():
                    result = apply(state[i], state[j], op)
                    if result is not None and tuple(sorted(after(state, i, j, result))) not in seen:
                        found.append(f"{POSITIONS[i]}{POSITIONS[j]}{op}")
        self._open = (key, found)
        return found

    def banned(self, written: str) -> str:
        """Position letters and operators that cannot continue `written` into an open operation (so a
        chain never repeats an outcome at a state, nor calls what the calculator would refuse). Backing
        up and ending the thought stay allowed."""
        if len(written) > 2 or any(c not in POSITIONS for c in written):
            return ""
        allowed = {op[len(written)] for op in self.open_operations() if op.startswith(written)}
        alphabet = POSITIONS if len(written) < 2 else OPERATORS
        return "".join(c for c in alphabet if c not in allowed)

    def respond(self, written: str) -> str | None:
        state = self.stack[-1]
        if written == BACK:
            if len(self.stack) > 1:
                self.stack.pop()
                self.path.pop()
            return f"|{show(self.stack[-1])}{LINE}"
        if len(written) < 3:
            return None
        parsed = parse_operation(written, len(state))
        result = None if parsed is None else apply(state[parsed[0]], state[parsed[1]], parsed[2])
        if parsed is None or result is None:
            return f"=?{LINE}"
        self.tried.setdefault(tuple(self.path), set()).add(tuple(sorted(after(state, parsed[0], parsed[1], result))))
        if result == self.target:
            return f"={result}{HIT}{''.join(self.path)}{written}{LINE}"
        if len(state) == 2:  # a check: the state stays
            return f"={result}{LINE}"
        self.stack.append(after(state, parsed[0], parsed[1], result))
        self.path.append(written)
        return f"={result}|{show(self.stack[-1])}{LINE}"


@dataclass(frozen=True)
class CountdownCalculator:
    """The exact calculator of the countdown search language (a `Tool`)."""

    name: str = "calculator"

    def session(self, prompt: str) -> CalculatorSession:
        parsed = parse_prompt(prompt)
        return CalculatorSession([tuple(parsed[0])], parsed[1]) if parsed else CalculatorSession([()])


def render_answer(numbers: Sequence[int], answer: str) -> str | None:
    """The expression an answer's operations build from `numbers`, or None when they are invalid.
    A single position letter names one of the given numbers.

    >>> render_answer([3, 5, 7, 11], "ca-ba-ab*")
    '(7-3)*(11-5)'
    """
    if len(answer) == 1:
        index = POSITIONS.find(answer)
        return str(numbers[index]) if 0 <= index < len(numbers) else None
    if not answer or len(answer) % 3:
        return None
    nodes = [(n, str(n), "") for n in numbers]  # (value, expression, its top operator)
    for start in range(0, len(answer), 3):
        parsed = parse_operation(answer[start : start + 3], len(nodes))
        if parsed is None:
            return None
        i, j, op = parsed
        (a, left, left_op), (b, right, right_op) = nodes[i], nodes[j]
        value = apply(a, b, op)
        if value is None:
            return None
        if left_op and _PRECEDENCE[left_op] < _PRECEDENCE[op]:
            left = f"({left})"
        if right_op and (_PRECEDENCE[right_op] < _PRECEDENCE[op] or (_PRECEDENCE[right_op] == _PRECEDENCE[op] and op in "-/")):
            right = f"({right})"
        nodes = [node for k, node in enumerate(nodes) if k not in (i, j)] + [(value, f"{left}{op}{right}", op)]
    return nodes[-1][1]
