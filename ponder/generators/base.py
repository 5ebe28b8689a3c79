"""The generator protocol (system 1): n candidate completions of one chat prompt, in one call, and the
capabilities a generator declares beyond that. Callers ask `generator.capabilities`, never a model's
name or `hasattr`; a wrapper forwards them (`Forwarding`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

from ponder.errors import PonderError
from ponder.thinking.formats import ThinkFormat
from ponder.thinking.steps import LINES, StepFormat
from ponder.types import Generation, Message, SamplingParams


class GeneratorError(PonderError, RuntimeError):
    """A generator could not produce completions (backend down, timed out after retries, ...)."""


class GeneratorTimeout(GeneratorError):
    """The backend did not answer in time (after its retries)."""


class BackendUnavailable(GeneratorError):
    """The backend cannot answer anything: unreachable, refusing the key, or not serving the model. Nothing
    retries or absorbs it: a run stops with it once, rather than grading every problem as unanswered."""


class UnsupportedRequest(GeneratorError):
    """The request is not one this generator can answer (the caller's error, not the backend's: a server
    answers it with 400)."""


@dataclass(frozen=True)
class Capabilities:
    """What a generator can do beyond `generate`: each optional method is called only where its flag says so."""

    think_format: ThinkFormat | None = None  # writes a chain of thought in this format first; takes SamplingParams.thinking
    streams_thought: bool = False  # `generate(..., on_text=listener)` hears the thought as it is decoded
    continues: bool = False  # `continue_final(messages, n, params, timeout, stop, include_stop)` continues a final assistant message
    completes: bool = False  # `complete(prompt, n, params, timeout)` continues plain text (no chat template: base models)
    counts_usage: bool = True  # its token counts are counted by ponder (False: the backend's own report is trusted)
    step_formats: Mapping[str, StepFormat] = field(default_factory=dict)  # task name -> its own step language

    @property
    def thinks(self) -> bool:
        return self.think_format is not None

    def steps_for(self, task: str) -> StepFormat:
        """How its solutions of `task` split into steps: its own language there, plain lines elsewhere."""
        return self.step_formats.get(task, LINES)


PLAIN = Capabilities()  # a chat model and nothing more


class Generator(Protocol):
    name: str
    parameter_count: int | None  # for FLOPs estimates; None when unknown
    capabilities: Capabilities

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


class Forwarding:
    """The one base for wrappers: everything is the inner generator's unless the wrapper overrides it."""

    def __init__(self, inner: Generator):
        self.inner = inner
        self.name = inner.name
        self.parameter_count = inner.parameter_count
        self.capabilities = inner.capabilities

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        return self.inner.prompt_tokens_bound(messages)

    def calls_for(self, n: int) -> int:
        return self.inner.calls_for(n)

    async def generate(self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
                       **options: Any) -> Generation:
        return await self.inner.generate(messages, n, params, timeout, **options)

    async def continue_final(self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
                             stop: Sequence[str] = (), include_stop: bool = False) -> Generation:
        return await self.inner.continue_final(messages, n, params, timeout, stop, include_stop)  # type: ignore[attr-defined]

    async def complete(self, prompt: str, n: int, params: SamplingParams, timeout: float | None = None) -> Generation:
        return await self.inner.complete(prompt, n, params, timeout)  # type: ignore[attr-defined]
