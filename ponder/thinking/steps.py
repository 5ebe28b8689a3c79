"""Steps: the units of a partial solution that a step-level search (beam, DVTS, MCTS over steps) cuts at.

A partial solution is the text of the assistant's message so far. The next step is asked for by
continuing that message (vLLM's `continue_final_message`, which every ponder generator and `ponder
serve` speak) with stop strings that end a step, kept in the text. A `StepFormat` says, for one way of
writing solutions, where a step ends, what tool (if any) answers a step, when a solution is finished,
what its final text is, and how its steps read in plain notation — the one language process verifiers
(`verifiers.prm`) read, whatever the model writes:

- countdown: one line per operation on the current numbers, ``7 - 3 = 4`` (the current path only:
  a back-up removes the operation it undoes);
- multiplication: one line per partial product (``738``), then ``= 56088``.

Three formats are known: `ponder-think`'s search language on countdown (a step is one operation; the
countdown calculator writes its result, exactly as in the model's chains; a hit on the target
finishes the solution, verified by the calculator), `ponder-tiny`'s scratchpad on multiplication (a step is one partial product,
then the product), and plain lines for any other model (a step is a line; the model's own end finishes
the solution).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ponder.types import Problem

# Linear on model output: a match starts only where a run of digits starts, and possessive quantifiers
# never re-read a run (the plain form tried every digit of a long run as a start: quadratic).
PLAIN_OPERATION = re.compile(r"(?<!\d)(\d++)\s*+([-+*/x×÷−])\s*+(\d++)\s*+=\s*+(\d++)")


@dataclass(frozen=True)
class Piece:
    """One step of a partial solution: what the model wrote, then what its tool answered."""

    text: str  # the model's text (ends with a stop string unless the model ended or hit its cap)
    tool: str = ""  # the tool's output after it
    ended: bool = False  # the model ended its message here (eos), rather than at a stop string


@dataclass(frozen=True)
class StepFormat:
    """How one kind of model writes a solution step by step (see the module docstring)."""

    name: str
    stops: tuple[str, ...]  # a step ends right after any of these (kept in the step's text)
    max_step_tokens: int  # a step longer than this is cut there
    finished: Callable[[Problem, Sequence[Piece]], bool]  # the pieces are a whole solution
    completion: Callable[[Problem, Sequence[Piece]], str]  # a finished solution as the text the task's extract reads
    plain: Callable[[Problem, Sequence[Piece]], list[str]]  # the steps in plain notation (what process verifiers read)
    tool: Callable[[Problem, Sequence[Piece], str], str] | None = None  # (problem, earlier pieces, step) -> tool output
    tool_room: int = 0  # most tokens (UTF-8 bytes) the tool writes after one step
    verified: Callable[[Problem, Sequence[Piece]], bool] = lambda problem, pieces: False  # the tool checked this finished solution

    def text(self, pieces: Sequence[Piece]) -> str:
        """The partial solution as the assistant message to continue."""
        return "".join(piece.text + piece.tool for piece in pieces)


# -- plain lines: any model --------------------------------------------------------------------------
def _lines_finished(problem: Problem, pieces: Sequence[Piece]) -> bool:
    return bool(pieces) and pieces[-1].ended


def _lines_plain(problem: Problem, pieces: Sequence[Piece]) -> list[str]:
    return [line for line in "".join(p.text for p in pieces).splitlines() if line.strip()]


LINES = StepFormat(
    name="lines", stops=("\n",), max_step_tokens=64, finished=_lines_finished,
    completion=lambda problem, pieces: "".join(p.text for p in pieces), plain=_lines_plain,
)


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
    from ponder.generators.embedded_codec import multiply_prompt, render

    return render(multiply_prompt(problem.data["a"], problem.data["b"]), _tiny_raw(pieces))


TINY_MULTIPLY = StepFormat(
    name="ponder-tiny-multiply", stops=("+", "="), max_step_tokens=12,
    finished=lambda problem, pieces: bool(pieces) and pieces[-1].ended and "=" in _tiny_raw(pieces),
    completion=_tiny_completion, plain=_tiny_plain,
)


# -- ponder-think's search language on countdown, with its calculator -------------------------------
def _calculator(problem: Problem, pieces: Sequence[Piece]):
    """A calculator session that has read every piece (sessions are cheap; replaying keeps nodes immutable)."""
    from ponder.tools.countdown_calculator import CountdownCalculator, think_prompt

    session = CountdownCalculator().session(think_prompt(problem.data["numbers"], problem.data["target"]))
    written = ""
    for piece in pieces:
        written += piece.text
        if session.respond(written) is not None:
            written = ""
    return session, written


def _think_tool(problem: Problem, pieces: Sequence[Piece], step: str) -> str:
    from ponder.tools.countdown_calculator import CLOSE

    if step.endswith(CLOSE):
        return ""
    session, written = _calculator(problem, pieces)
    return session.respond(written + step) or ""


def _think_hit(pieces: Sequence[Piece]) -> str | None:
    """The operations on the path that hit the target, if a step hit it."""
    from ponder.tools.countdown_calculator import HIT, LINE

    for piece in pieces:
        if HIT in piece.tool:
            return piece.tool.split(HIT, 1)[1].rstrip(LINE)
    return None


def _think_finished(problem: Problem, pieces: Sequence[Piece]) -> bool:
    from ponder.tools.countdown_calculator import CLOSE

    return _think_hit(pieces) is not None or (bool(pieces) and (pieces[-1].ended or pieces[-1].text.endswith(CLOSE)))


def _think_completion(problem: Problem, pieces: Sequence[Piece]) -> str:
    from ponder.tools.countdown_calculator import render_answer

    path = _think_hit(pieces)
    return "" if path is None else render_answer(problem.data["numbers"], path) or ""


def think_plain(problem: Problem, pieces: Sequence[Piece]) -> list[str]:
    """The operations on the current path as plain lines (a hit adds its final operation)."""
    from ponder.tools.countdown_calculator import POSITIONS, parse_operation

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


def _think_format() -> StepFormat:
    from ponder.tools.countdown_calculator import BACK, CLOSE, OPERATORS

    return StepFormat(
        name="ponder-think", stops=(*OPERATORS, BACK, CLOSE), max_step_tokens=4, finished=_think_finished,
        completion=_think_completion, plain=think_plain, tool=_think_tool, tool_room=40,
        verified=lambda problem, pieces: _think_hit(pieces) is not None,  # the calculator marks a hit only on the target
    )


def step_format(model: str, task: str) -> StepFormat:
    """The step format of a model (a generator's name or spec) on a task: the embedded models' own
    languages where they have one, plain lines otherwise.

    >>> step_format("ponder-tiny", "arithmetic").name, step_format("openai:ponder-think@http://127.0.0.1:8001/v1", "countdown").name
    ('ponder-tiny-multiply', 'ponder-think')
    >>> step_format("openai:Qwen/Qwen3-8B@http://127.0.0.1:8000/v1", "countdown").name
    'lines'
    """
    from ponder.generators.spec import EMBEDDED_NAME, THINK_NAME

    base = model.removeprefix("openai:").split("@", 1)[0].split("?", 1)[0].rsplit("/", 1)[-1]
    if base == THINK_NAME and task.startswith("countdown"):
        return _think_format()
    if base == EMBEDDED_NAME and task.startswith("arithmetic"):
        return TINY_MULTIPLY
    return LINES
