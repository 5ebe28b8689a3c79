"""The verifier protocol: score one candidate of one problem."""

from __future__ import annotations

from typing import Protocol

from ponder.types import Problem, Verdict


class Verifier(Protocol):
    name: str
    max_tokens: int  # upper bound on tokens one verification may spend (0 for exact checkers)

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        """Judge a candidate: `answer` is the task's extracted answer (None if unparsable), `text`
        the whole completion."""
        ...


UNPARSABLE = Verdict(score=0.0, correct=False, feedback="no final answer could be read from the reply")
