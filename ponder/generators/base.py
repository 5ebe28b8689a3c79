"""The generator protocol (system 1): n candidate completions of one chat prompt, in one call."""

from __future__ import annotations

from typing import Protocol, Sequence

from ponder.errors import PonderError
from ponder.types import Generation, Message, SamplingParams


class GeneratorError(PonderError, RuntimeError):
    """A generator could not produce completions (backend down, timed out after retries, ...)."""


class GeneratorTimeout(GeneratorError):
    """The backend did not answer in time (after its retries)."""


class UnsupportedRequest(GeneratorError):
    """The request is not one this generator can answer (the caller's error, not the backend's: a server
    answers it with 400)."""


class Generator(Protocol):
    name: str
    parameter_count: int | None  # for FLOPs estimates; None when unknown

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None
    ) -> Generation:
        """n completions of `messages`; must return by `timeout` seconds (None: no deadline)."""
        ...

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        """An upper bound on the prompt tokens of one request (for dollar budgets)."""
        ...

    def calls_for(self, n: int) -> int:
        """How many requests n candidates may take (more than 1 when `n` is unsupported)."""
        ...
