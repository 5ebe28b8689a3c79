"""The embedded models' own step languages (`thinking.steps.StepFormat`), declared as their capabilities:

- `ponder-think`'s search language on countdown: a step is one operation; the countdown calculator
  writes its result, exactly as in the model's chains; a hit on the target finishes the solution,
  verified by the calculator;
- `ponder-tiny`'s scratchpad on multiplication: a step is one partial product, then the product.
"""

from __future__ import annotations

from typing import Sequence

from ponder.embedded.codec import multiply_prompt, render
from ponder.thinking.steps import Piece, StepFormat
from ponder.tools.countdown_calculator import (
    BACK, CLOSE, HIT, LINE, OPERATORS, POSITIONS, CountdownCalculator, parse_operation, render_answer, think_prompt,
)
from ponder.types import Problem


# -- ponder-tiny's multiplication scratchpad --------------------------------------------------------
def _tiny_raw(pieces: Sequence[Piece]) -> str:
    return "".join(p.text for p in pieces)


def _tiny_plain(problem: Problem, pieces: Sequence[Piece]) -> list[str]:
    """Partial products in reading order, then '= product' (the model writes digits reversed).

    >>> _tiny_plain(None, [Piece("837+"), Piece("0516+"), Piece("00294="), Piece("88065", ended=True)])
    ['738', '6150', '49200', '= 56088']
    """
    raw = _tiny_raw(pieces)
    head, equals, product = raw.partition("=")
    lines = [_reading(part) for part in head.split("+") if part] if "+" in head or equals else []
    if not equals and head and not head.endswith("+"):
        lines = lines[:-1]  # a partial product still being written is not a step yet
    if product:
        lines.append(f"= {_reading(product)}")
    return lines


def _reading(reversed_digits: str) -> str:
    number = reversed_digits[::-1].lstrip("0")
    return number or "0"


def _tiny_completion(problem: Problem, pieces: Sequence[Piece]) -> str:
    return render(multiply_prompt(problem.data["a"], problem.data["b"]), _tiny_raw(pieces))


TINY_MULTIPLY = StepFormat(
    name="ponder-tiny-multiply", stops=("+", "="), max_step_tokens=12,
    finished=lambda problem, pieces: bool(pieces) and pieces[-1].ended and "=" in _tiny_raw(pieces),
    completion=_tiny_completion, plain=_tiny_plain,
)


# -- ponder-think's search language on countdown, with its calculator -------------------------------
def _calculator(problem: Problem, pieces: Sequence[Piece]):
    """A calculator session that has read every piece (sessions are cheap; replaying keeps nodes immutable)."""
    session = CountdownCalculator().session(think_prompt(problem.data["numbers"], problem.data["target"]))
    written = ""
    for piece in pieces:
        written += piece.text
        if session.respond(written) is not None:
            written = ""
    return session, written


def _think_tool(problem: Problem, pieces: Sequence[Piece], step: str) -> str:
    if step.endswith(CLOSE):
        return ""
    session, written = _calculator(problem, pieces)
    return session.respond(written + step) or ""


def _think_hit(pieces: Sequence[Piece]) -> str | None:
    """The operations on the path that hit the target, if a step hit it."""
    for piece in pieces:
        if HIT in piece.tool:
            return piece.tool.split(HIT, 1)[1].rstrip(LINE)
    return None


def _think_finished(problem: Problem, pieces: Sequence[Piece]) -> bool:
    return _think_hit(pieces) is not None or (bool(pieces) and (pieces[-1].ended or pieces[-1].text.endswith(CLOSE)))


def _think_completion(problem: Problem, pieces: Sequence[Piece]) -> str:
    path = _think_hit(pieces)
    return "" if path is None else render_answer(problem.data["numbers"], path) or ""


def think_plain(problem: Problem, pieces: Sequence[Piece]) -> list[str]:
    """The operations on the current path as plain lines (a hit adds its final operation)."""
    session, _ = _calculator(problem, [])
    lines: list[str] = []
    written = ""
    for piece in pieces:
        written += piece.text
        state = session.stack[-1]
        depth = len(session.stack)
        if session.respond(written) is None:
            continue
        operation, written = written, ""
        if len(session.stack) < depth:
            lines = lines[: len(session.stack) - 1]
        parsed = parse_operation(operation, len(state)) if operation[:1] in POSITIONS else None
        if parsed is None:
            continue
        i, j, op = parsed
        result = piece.tool[1:].split("|")[0].split("!")[0].rstrip(";")
        if len(session.stack) > depth or "!" in piece.tool:
            lines.append(f"{state[i]} {op} {state[j]} = {result}")
    return lines


THINK_STEPS = StepFormat(
    name="ponder-think", stops=(*OPERATORS, BACK, CLOSE), max_step_tokens=4, finished=_think_finished,
    completion=_think_completion, plain=think_plain, tool=_think_tool, tool_room=40,
    verified=lambda problem, pieces: _think_hit(pieces) is not None,  # the calculator marks a hit only on the target
)

# Each embedded model's step languages, by task (`Capabilities.step_formats`): also what a client of a
# served embedded model (openai:ponder-think@URL) splits its steps by.
BY_MODEL = {
    "ponder-think": {"countdown": THINK_STEPS, "countdown-reachable": THINK_STEPS},
    "ponder-tiny": {"arithmetic": TINY_MULTIPLY, "arithmetic-carries": TINY_MULTIPLY},
}
