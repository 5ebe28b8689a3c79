"""Shipped fakes for unit tests of pure logic (budgets, voting, strategy control flow). Integration
tests use the real embedded model instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ponder.generators.base import Capabilities
from ponder.types import Completion, Generation, Message, Problem, SamplingParams, Verdict


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ScriptedGenerator:
    """Returns scripted texts in turn, each costing `tokens` completion tokens (capped at max_tokens),
    and advances a fake clock by `seconds_per_call`, never past the call's timeout."""

    texts: Sequence[str]
    tokens: int = 10
    prompt_tokens: int = 5
    seconds_per_call: float = 0.0
    clock: FakeClock | None = None
    name: str = "scripted"
    parameter_count: int | None = 1000
    supports_n: bool = True
    capabilities: Capabilities = Capabilities(continues=True)  # continue_final below
    calls: list[tuple[int, SamplingParams]] = field(default_factory=list)
    conversations: list[tuple[Message, ...]] = field(default_factory=list)  # the messages of each call
    generated: int = 0  # completion tokens returned so far
    _next: int = 0

    async def generate(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None
    ) -> Generation:
        self.calls.append((n, params))
        self.conversations.append(tuple(messages))
        if self.clock is not None:
            self.clock.advance(self.seconds_per_call if timeout is None else min(self.seconds_per_call, timeout))
        completions = []
        for _ in range(n):
            text = self.texts[self._next % len(self.texts)]
            self._next += 1
            completions.append(Completion(text=text, completion_tokens=min(self.tokens, params.max_tokens), finish_reason="stop"))
        self.generated += sum(c.completion_tokens for c in completions)
        return Generation(tuple(completions), prompt_tokens=self.prompt_tokens, calls=self.calls_for(n))

    async def continue_final(
        self, messages: Sequence[Message], n: int, params: SamplingParams, timeout: float | None = None,
        stop: Sequence[str] = (), include_stop: bool = False,
    ) -> Generation:
        """Scripted steps: a text ending in '.' ends the message (eos); one ending in a stop string ends
        there; any other gets the first stop string."""
        generation = await self.generate(messages, n, params, timeout)
        completions = tuple(
            c if c.text.endswith((".", *stop)) or not stop else Completion(c.text + (stop[0] if include_stop else ""), c.completion_tokens, "stop")
            for c in generation.completions
        )
        return Generation(completions, generation.prompt_tokens, generation.calls)

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        return self.prompt_tokens

    def calls_for(self, n: int) -> int:
        return 1 if self.supports_n else n


@dataclass
class ScriptedPRM:
    """A process verifier that gives scripted scores in turn, spending `tokens` per scoring."""

    scores: Sequence[float] = (0.5, 0.9, 0.1)
    tokens: int = 0
    name: str = "scripted-prm"
    _next: int = 0

    def cost_bound(self, problem: Problem, partial) -> int:
        return self.tokens

    async def score(self, problem: Problem, partials: Sequence) -> list[Verdict]:
        verdicts = []
        for _ in partials:
            verdicts.append(Verdict(score=self.scores[self._next % len(self.scores)], correct=None, tokens=self.tokens))
            self._next += 1
        return verdicts


@dataclass(frozen=True)
class AnswerKeyVerifier:
    """Correct when the extracted answer equals `answer`; spends `tokens` per verification."""

    answer: str
    tokens: int = 0
    name: str = "answer-key"

    @property
    def max_tokens(self) -> int:
        return self.tokens

    async def verify(self, problem: Problem, answer: str | None, text: str) -> Verdict:
        ok = answer == self.answer
        return Verdict(score=1.0 if ok else 0.0, correct=ok, feedback="right" if ok else "wrong", tokens=self.tokens)

    def probe_request(self, problem: Problem) -> list[Message] | None:
        return None

    def probe_inputs(self, problem: Problem, proposal: str | None) -> list[str]:
        return ["the answer"]

    def proposed_tests(self, problem: Problem, proposal: str | None) -> list[str]:
        return []

    async def share_passed(self, problem: Problem, answer: str | None, tests: Sequence[str]) -> float:
        return 0.0

    async def behaviour(self, problem: Problem, answer: str | None, inputs: Sequence[str]) -> str | None:
        """A candidate's "behaviour" is its answer (so behaviour clustering is majority vote here)."""
        return answer
