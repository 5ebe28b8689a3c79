"""Shipped fakes for unit tests of pure logic (budgets, voting, strategy control flow). Integration
tests use the real embedded model instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

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
    calls: list[tuple[int, SamplingParams]] = field(default_factory=list)
    conversations: list[tuple[Message, ...]] = field(default_factory=list)  # the messages of each call
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
        return Generation(tuple(completions), prompt_tokens=self.prompt_tokens, calls=self.calls_for(n))

    def prompt_tokens_bound(self, messages: Sequence[Message]) -> int:
        return self.prompt_tokens

    def calls_for(self, n: int) -> int:
        return 1 if self.supports_n else n


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
