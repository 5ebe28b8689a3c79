"""The verifier protocol: score one candidate of one problem."""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from ponder.types import Message, Problem, Verdict


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

    def probe_request(self, problem: Problem) -> list[Message] | None:
        """The messages that ask the model for probe inputs of its own; None when it is not asked."""
        ...

    def probe_inputs(self, problem: Problem, proposal: str | None) -> list[str]:
        """The inputs to run candidates on: the problem's own (never their expected outputs) and those read
        from the model's `proposal` (the reply to `probe_request`)."""
        ...

    def proposed_tests(self, problem: Problem, proposal: str | None) -> list[str]:
        """The tests read from the model's `proposal`, their expected values its own guesses."""
        ...

    async def share_passed(self, problem: Problem, answer: str | None, tests: Sequence[str]) -> float:
        """The share of `tests` the candidate passes."""
        ...

    async def behaviour(self, problem: Problem, answer: str | None, inputs: Sequence[str]) -> str | None:
        """What the candidate does on `inputs`, as one signature two candidates share exactly when they behave
        alike there; None when it cannot be run (no code, no inputs)."""
        ...


UNPARSABLE = Verdict(score=0.0, correct=False, feedback="no final answer could be read from the reply")
