"""The verifier protocol: score one candidate of one problem."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ponder.types import Problem, Verdict


class Verifier(Protocol):
    name: str
    max_tokens: int  # upper bound on tokens one verification may spend (0 for exact checkers)

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        """Judge a candidate: `answer` is the task's extracted answer (None if unparsable), `text`
        the whole completion."""
        ...


@runtime_checkable
class Behaviour(Protocol):
    """A verifier that can also run a candidate on probe inputs (code): what behaviour clustering votes over."""

    async def behaviour(self, problem: Problem, answer: str | None) -> str | None:
        """What the candidate does on the problem's probe inputs, as one signature two candidates share
        exactly when they behave alike there; None when it cannot be run (no code, no inputs)."""
        ...


UNPARSABLE = Verdict(score=0.0, correct=False, feedback="no final answer could be read from the reply")
