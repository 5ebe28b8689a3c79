"""What every strategy shares: a Run that asks the budget, calls the generator, extracts answers,
asks the verifier, and reports progress events. Strategies themselves only decide."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from typing import Any, AsyncIterator, Callable, Mapping, Sequence

from ponder.budget import Budget
from ponder.errors import PonderError
from ponder.generators.base import BackendUnavailable, Generator, GeneratorError
from ponder.strategies.voting import leader_index
from ponder.types import REFUSED, Candidate, Completion, Event, EventKind, Message, Problem, Result, SamplingParams, StopReason, ThoughtListener
from ponder.verifiers.base import Verifier

log = logging.getLogger(__name__)


DEFAULT_CANDIDATES = 8  # how many candidates a strategy aims for when the budget sets no count


class StrategyError(PonderError, ValueError):
    """A strategy was asked for something it cannot do (e.g. best-of-N without a verifier)."""


@dataclass
class Run:
    """The state of one strategy solving one problem (the only mutable thing in a solve)."""

    problem: Problem
    strategy: str
    generator: Generator
    budget: Budget
    extract: Callable[[str], str | None]
    verifier: Verifier | None = None
    params: SamplingParams = field(default_factory=SamplingParams)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    on_event: Callable[[Event], None] = lambda event: None
    batch_size: int = 16  # candidates asked for per generator call
    cap: int | None = None  # aim for fewer candidates than the budget allows (adaptive's choice, a game move's N)
    on_text: ThoughtListener | None = None  # hears thinking generators' thoughts as they are decoded
    candidates: list[Candidate] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # the generator's errors so far (each left its call without candidates)
    refused: bool = False  # the generator declined the problem (REFUSED completions)

    @property
    def target(self) -> int:
        """How many candidates the strategy aims for."""
        budgeted = self.budget.limits.max_candidates or DEFAULT_CANDIDATES
        return budgeted if self.cap is None else min(budgeted, self.cap)

    def emit(self, kind: EventKind, message: str, candidate: Candidate | None = None, node: Mapping[str, Any] | None = None) -> None:
        self.on_event(Event(kind, self.problem.id, self.strategy, message, self.budget.usage, candidate, node))

    def messages(self) -> list[Message]:
        return list(self.problem.messages) or [Message("user", self.problem.prompt)]

    async def sample(self, want: int, messages: Sequence[Message] | None = None,
                     reshape: Callable[[Completion], Completion] | None = None) -> list[Candidate]:
        """Up to `want` new candidates (fewer, or none, when the budget runs short or the call fails); `reshape`
        turns each completion into the one kept (e.g. the answer apart from reasoning the prompt asked for)."""
        messages = list(messages) if messages is not None else self.messages()
        grant = self.budget.request(
            want, self.params.max_tokens, self.generator.prompt_tokens_bound(messages), self.generator.calls_for
        )
        if grant is None:
            return []
        seed = None if self.params.seed is None else self.params.seed + len(self.candidates)
        params = replace(self.params, max_tokens=grant.max_tokens_each, seed=seed)
        try:
            live = {"on_text": self.on_text} if self.on_text is not None and self.generator.capabilities.streams_thought else {}
            generation = await self.generator.generate(messages, grant.candidates, params, timeout=grant.timeout, **live)
        except BackendUnavailable:
            self.budget.settle(grant, None)
            raise  # nothing can answer: the whole run stops here, once
        except GeneratorError as error:
            self.budget.settle(grant, None)
            self.failures.append(str(error))
            self.emit("error", str(error))
            log.warning("%s: %s", self.problem.id, error)
            return []
        self.budget.settle(grant, generation)
        if generation.completions and all(c.finish_reason == REFUSED for c in generation.completions):
            self.refused = True  # the model says the problem is outside what it can do: asking again changes nothing
        new = []
        for completion in generation.completions:
            completion = reshape(completion) if reshape is not None else completion
            candidate = Candidate(len(self.candidates), completion, self.extract(completion.text))
            self.candidates.append(candidate)
            new.append(candidate)
            self.emit("candidate", f"candidate {candidate.index}: {candidate.answer!r}", candidate)
        return new

    async def ask(self, messages: Sequence[Message], max_tokens: int) -> str | None:
        """One reply the strategy wants for itself (not a candidate: e.g. probe inputs), charged to the budget;
        None when the budget has no room or the call fails."""
        grant = self.budget.request(1, max_tokens, self.generator.prompt_tokens_bound(messages), self.generator.calls_for, aside=True)
        if grant is None:
            return None
        params = replace(self.params, max_tokens=grant.max_tokens_each, temperature=0.0, thinking=None, stop=())
        try:
            generation = await self.generator.generate(list(messages), 1, params, timeout=grant.timeout)
        except BackendUnavailable:
            self.budget.settle(grant, None)
            raise
        except GeneratorError as error:
            self.budget.settle(grant, None)
            self.emit("error", str(error))
            return None
        self.budget.settle(grant, generation)
        return generation.completions[0].text if generation.completions else None

    async def batches(self) -> AsyncIterator[list[Candidate]]:
        """New candidates, a batch at a time, until the target is reached or the budget runs short."""
        while len(self.candidates) < self.target and not self.refused:
            new = await self.sample(min(self.batch_size, self.target - len(self.candidates)))
            if not new:
                return
            yield new

    async def score(self, candidate: Candidate) -> Candidate:
        """The candidate with its verdict, or unchanged when there is no verifier or budget for it."""
        if self.verifier is None:
            return candidate
        grant = self.budget.request_verification(self.verifier.max_tokens)
        if grant is None:
            return candidate
        verdict = await self.verifier.verify(self.problem, candidate.answer, candidate.completion.text)
        self.budget.settle_verification(grant, verdict)
        scored = replace(candidate, verdict=verdict)
        self.candidates[candidate.index] = scored
        self.emit("scored", f"candidate {candidate.index} scored {verdict.score:.2f}: {verdict.feedback}", scored)
        return scored

    def leader_index(self, weighted: bool = False) -> int | None:
        """The first candidate voting for the most common answer (weighted: by verifier score, over the
        scored candidates); None when no candidate has an answer."""
        voters = [c for c in self.candidates if c.verdict is not None] if weighted else self.candidates
        position = leader_index([c.answer for c in voters], [c.verdict.score for c in voters] if weighted else None)
        return None if position is None else voters[position].index

    def require_verifier(self) -> Verifier:
        if self.verifier is None:
            raise StrategyError(f"strategy {self.strategy!r} needs a verifier")
        return self.verifier

    def stop_reason(self, solved: bool) -> StopReason:
        if solved:
            return "solved"
        if not self.candidates and self.failures:
            return "error"
        if self.refused:
            return "refused"
        return "budget" if self.budget.exhausted or len(self.candidates) < self.target else "done"

    def result(self, chosen: int | None, stop_reason: StopReason, answer: str | None = None, text: str | None = None) -> Result:
        """The result for candidate `chosen` (None: none), or for an `answer` and `text` no candidate gave (a check's)."""
        candidate = self.candidates[chosen] if chosen is not None else None
        result = Result(
            problem_id=self.problem.id,
            strategy=self.strategy,
            answer=answer if answer is not None else (candidate.answer if candidate else None),
            text=text if text is not None else (candidate.completion.text if candidate else None),
            chosen=chosen,
            candidates=tuple(self.candidates),
            usage=self.budget.usage,
            stop_reason=stop_reason,
            error=self.failures[-1] if stop_reason == "error" else None,
        )
        self.emit("done", f"answer {result.answer!r} ({stop_reason})", candidate)
        return result


def best_scored(candidates: Sequence[Candidate]) -> Candidate | None:
    """The highest-scoring verified candidate; the earliest among equals."""
    best = None
    for candidate in candidates:
        if candidate.verdict is not None and (best is None or candidate.verdict.score > best.verdict.score):
            best = candidate
    return best


def is_solved(candidate: Candidate) -> bool:
    return candidate.verdict is not None and candidate.verdict.correct is True
