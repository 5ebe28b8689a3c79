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

Plain lines (`LINES`: a step is a line; the model's own end finishes the solution) serve any model; a
generator with a language of its own declares its step formats (`Capabilities.step_formats`): the
embedded models' are in `ponder.embedded.steps`.
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
