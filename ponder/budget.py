"""The budget: the one place compute is counted and limited.

Every generator and verifier call asks the budget first and is granted at most what is left; the grant
is reserved while the call runs (so concurrent calls cannot overspend together) and settled with the
actual spend afterwards. Limits hold for candidates, generated tokens (generator completions plus
verifier tokens), generator calls and dollars by construction. Wall-clock seconds are enforced by a
deadline that every call receives: local decoding skips any step that would end past it, remote calls
are cancelled at it. A call is only started while time is left, but its first forward pass (prompt
and first token) cannot be interrupted, so a seconds limit can be overshot by about that much.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping, Sequence

from ponder.errors import PonderError
from ponder.types import Generation, Usage, Verdict

log = logging.getLogger(__name__)


class BudgetError(PonderError, ValueError):
    """A limit or preset is invalid."""


@dataclass(frozen=True)
class SearchLimits:
    """What one search (one move of a game agent) may spend; None means unlimited, one must be set."""

    steps: int | None = None  # MCTS simulations, CFR iterations
    seconds: float | None = None  # wall clock, from the search budget's creation

    def __post_init__(self) -> None:
        if self.steps is None and self.seconds is None:
            raise BudgetError("a search budget needs steps (simulations, iterations) or seconds")
        for name, value in (("steps", self.steps), ("seconds", self.seconds)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise BudgetError(f"search {name} must be a positive number, got {value!r}")
        if self.steps is not None and not isinstance(self.steps, int):
            raise BudgetError(f"search steps must be a whole number, got {self.steps!r}")


class SearchBudget:
    """Counts search steps against SearchLimits. `charge()` grants one step while steps and time are
    left, so a search that charges before each step never runs more steps than its limit; a step
    granted just before the deadline may end just after it."""

    def __init__(self, limits: SearchLimits, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.limits = limits
        self._clock = clock
        self._started = clock()
        self._deadline = None if limits.seconds is None else self._started + limits.seconds
        self.steps = 0  # steps granted so far

    def charge(self) -> bool:
        """Take one step if the limits allow it."""
        if self.limits.steps is not None and self.steps >= self.limits.steps:
            return False
        if self._deadline is not None and self._clock() >= self._deadline:
            return False
        self.steps += 1
        return True

    def elapsed(self) -> float:
        return self._clock() - self._started


@dataclass(frozen=True)
class Limits:
    """What one solve may spend; None means unlimited."""

    max_candidates: int | None = None  # completions generated
    max_tokens: int | None = None  # generated tokens: completions plus verifier tokens
    max_calls: int | None = None  # generator requests
    max_seconds: float | None = None  # wall clock, from the budget's creation
    max_dollars: float | None = None  # needs a price for the model

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise BudgetError(f"{f.name} must be a positive number, got {value!r}")

    def capped_by(self, cap: Limits) -> Limits:
        """These limits, each no larger than the cap's."""
        values = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(cap, f.name)
            values[f.name] = theirs if mine is None else mine if theirs is None else min(mine, theirs)
        return Limits(**values)


@dataclass(frozen=True)
class Price:
    """Dollars per million tokens."""

    prompt: float
    completion: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.prompt + completion_tokens * self.completion) / 1e6


TOKENS_PER_CANDIDATE = 1024  # the token allowance of each preset is this many per candidate


@dataclass(frozen=True)
class Effort:
    """What one `reasoning_effort` level stands for."""

    candidates: int  # wider: candidates a strategy may draw (with TOKENS_PER_CANDIDATE tokens each)
    thinking_tokens: int  # longer: a model that thinks writes one chain of thought this long (o1 semantics)


# The one effort table: the library, `ponder solve --effort` and `ponder serve` all read it.
EFFORTS: Mapping[str, Effort] = MappingProxyType({
    "none": Effort(1, 0),
    "minimal": Effort(2, 64),
    "low": Effort(4, 256),
    "medium": Effort(8, 1024),
    "high": Effort(16, 2048),
    "xhigh": Effort(64, 3000),
    "max": Effort(256, 3900),
})
EFFORT_LEVELS = tuple(EFFORTS)
DEFAULT_EFFORTS: Mapping[str, Limits] = MappingProxyType(
    {level: Limits(max_candidates=e.candidates, max_tokens=e.candidates * TOKENS_PER_CANDIDATE) for level, e in EFFORTS.items()}
)
DEFAULT_THINKING_EFFORTS: Mapping[str, int] = MappingProxyType({level: e.thinking_tokens for level, e in EFFORTS.items()})


def effort_limits(level: str, presets: Mapping[str, Limits] = DEFAULT_EFFORTS) -> Limits:
    """The limits a `reasoning_effort` level stands for."""
    if level not in presets:
        raise BudgetError(f"unknown reasoning effort {level!r}; choose one of: {', '.join(presets)}")
    return presets[level]


def load_effort_presets(path: str | Path) -> Mapping[str, Limits]:
    """Presets from a JSON file {"high": {"max_candidates": 32, ...}, ...}, over the defaults."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise BudgetError(f"cannot read effort presets from {path}: {error}") from None
    if not isinstance(data, dict):
        raise BudgetError(f"{path}: effort presets must be a JSON object of levels")
    presets = dict(DEFAULT_EFFORTS)
    allowed = {f.name for f in fields(Limits)}
    for level, limits in data.items():
        if level not in EFFORT_LEVELS:
            raise BudgetError(f"{path}: unknown effort level {level!r}; levels are: {', '.join(EFFORT_LEVELS)}")
        if not isinstance(limits, dict) or set(limits) - allowed:
            raise BudgetError(f"{path}: {level!r} must map to limits among: {', '.join(sorted(allowed))}")
        presets[level] = Limits(**limits)
    return MappingProxyType(presets)


def load_price(path: str | Path, names: Sequence[str]) -> Price:
    """A model's price from a JSON table {"MODEL": {"prompt": $/Mtok, "completion": $/Mtok}}: the entry
    under the first of `names` (e.g. the generator's full name, then the bare model name) that it has."""
    try:
        table = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise BudgetError(f"cannot read price table {path}: {error}") from None
    try:
        entry = next(table[name] for name in names if name in table)
        return Price(prompt=float(entry["prompt"]), completion=float(entry["completion"]))
    except (StopIteration, KeyError, TypeError, ValueError):
        raise BudgetError(f"price table {path} has no valid entry for model {names[0]!r}") from None


@dataclass(frozen=True)
class Grant:
    """Permission for one generator call: how many candidates, how long each may be."""

    id: int
    candidates: int
    max_tokens_each: int
    timeout: float | None  # seconds left before the deadline
    steps: bool = False  # the completions are steps of partial solutions (step search), not candidates
    aside: bool = False  # a call a strategy makes for itself (probe inputs), neither candidates nor steps


@dataclass(frozen=True)
class _Reservation:
    candidates: int = 0
    tokens: int = 0
    calls: int = 0
    dollars: float = 0.0


class Budget:
    """Counts spend against limits. Single event loop: no locking needed."""

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        price: Price | None = None,
        parameter_count: int | None = None,
    ) -> None:
        if limits.max_dollars is not None and price is None:
            raise BudgetError("a dollar limit needs a price for the model (see --price-table)")
        self.limits = limits
        self._clock = clock
        self._price = price
        self._parameters = parameter_count
        self._started = clock()
        self._spent = Usage(flops=0.0 if parameter_count else None)
        self._reserved: dict[int, _Reservation] = {}
        self._ids = itertools.count()

    # -- what is left -------------------------------------------------------------------------
    def elapsed(self) -> float:
        return self._clock() - self._started

    def remaining_seconds(self) -> float | None:
        return None if self.limits.max_seconds is None else self.limits.max_seconds - self.elapsed()

    def _committed(self) -> _Reservation:
        held = self._reserved.values()
        return _Reservation(
            candidates=self._spent.candidates + sum(r.candidates for r in held),
            tokens=self._spent.generated_tokens + sum(r.tokens for r in held),
            calls=self._spent.calls + sum(r.calls for r in held),
            dollars=self._spent.dollars + sum(r.dollars for r in held),
        )

    @staticmethod
    def _left(limit: float | None, used: float) -> float:
        return math.inf if limit is None else limit - used

    @property
    def exhausted(self) -> bool:
        """True when not even one more one-token candidate could be granted."""
        return self._exhausted(candidates=True)

    def _exhausted(self, candidates: bool) -> bool:
        """No one-token completion is left; `candidates=False` ignores the candidate limit (steps)."""
        committed = self._committed()
        seconds = self.remaining_seconds()
        return (
            (candidates and self._left(self.limits.max_candidates, committed.candidates) < 1)
            or self._left(self.limits.max_tokens, committed.tokens) < 1
            or self._left(self.limits.max_calls, committed.calls) < 1
            or (seconds is not None and seconds <= 0)
            or (self._price is not None and self._left(self.limits.max_dollars, committed.dollars) <= 0)
        )

    @property
    def usage(self) -> Usage:
        """Settled spend so far, with seconds elapsed."""
        return replace(self._spent, seconds=self.elapsed())

    # -- generator calls ----------------------------------------------------------------------
    def request(
        self, want: int, max_tokens_each: int, prompt_tokens: int, calls_for: Callable[[int], int] = lambda n: 1,
        steps: bool = False, aside: bool = False,
    ) -> Grant | None:
        """Grant up to `want` candidates of up to `max_tokens_each` tokens, or None when nothing is left.

        Prefers fewer full-length candidates over many truncated ones. `prompt_tokens` is an upper
        bound on the prompt (for dollars); `calls_for(n)` is how many requests n candidates take.
        `steps`: the completions are steps of partial solutions (step search): they are counted as
        steps and limited by tokens, calls, seconds and dollars, not by the candidate limit (which a
        step search reads as how many partial solutions it keeps). `aside`: a call the strategy makes for itself
        (e.g. asking for probe inputs), limited and counted like steps but counted as neither.
        """
        counted = not (steps or aside)
        if want < 1 or max_tokens_each < 1 or self._exhausted(candidates=counted):
            return None
        committed = self._committed()
        n = want if not counted else int(min(want, self._left(self.limits.max_candidates, committed.candidates)))
        tokens_left = self._left(self.limits.max_tokens, committed.tokens)
        each = max_tokens_each
        if n * each > tokens_left:
            full = int(tokens_left // each)
            n, each = (full, each) if full >= 1 else (1, int(tokens_left))
        calls_left = self._left(self.limits.max_calls, committed.calls)
        while n > 1 and calls_for(n) > calls_left:
            n -= 1
        if calls_for(n) > calls_left:
            return None
        dollars = 0.0
        if self._price is not None:
            dollars_left = self._left(self.limits.max_dollars, committed.dollars)
            while n >= 1 and self._price.cost(prompt_tokens * calls_for(n), n * each) > dollars_left:
                if n > 1:
                    n -= 1
                else:
                    affordable = (dollars_left - self._price.cost(prompt_tokens * calls_for(1), 0)) * 1e6
                    each = int(affordable / self._price.completion) if self._price.completion else each
                    if each < 1:
                        return None
                    break
            dollars = self._price.cost(prompt_tokens * calls_for(n), n * each)
        grant = Grant(next(self._ids), n, each, self.remaining_seconds(), steps, aside)
        self._reserved[grant.id] = _Reservation(candidates=n if counted else 0, tokens=n * each, calls=calls_for(n), dollars=dollars)
        return grant

    def release(self, grant: Grant) -> None:
        """Give a grant back unused (nothing was sent)."""
        self._reserved.pop(grant.id)

    def settle(self, grant: Grant, generation: Generation | None) -> None:
        """Replace the grant's reservation by what the call actually spent (None: the call failed
        before spending tokens; the requests it sent still count)."""
        reservation = self._reserved.pop(grant.id)
        if generation is None:
            self._spent = self._spent + Usage(calls=reservation.calls)
            return
        completions = generation.completions
        completion_tokens = generation.completion_tokens
        if len(completions) > grant.candidates or any(c.completion_tokens > grant.max_tokens_each for c in completions):
            # Only a backend that ignores n / max_tokens gets here; usage stays honest about it.
            log.warning("generator returned more than granted (%d x %d tokens)", grant.candidates, grant.max_tokens_each)
        dollars = self._price.cost(generation.prompt_tokens, completion_tokens) if self._price else 0.0
        flops = 2.0 * self._parameters * (generation.prompt_tokens + completion_tokens) if self._parameters else None
        self._spent = self._spent + Usage(
            prompt_tokens=generation.prompt_tokens,
            completion_tokens=completion_tokens,
            thinking_tokens=sum(c.thinking_tokens for c in completions),
            tool_tokens=sum(c.tool_tokens for c in completions),
            answer_tokens=sum(c.answer_tokens for c in completions),
            forced_tokens=sum(c.forced_tokens for c in completions),
            calls=min(generation.calls, reservation.calls),
            candidates=0 if grant.steps or grant.aside else len(completions),
            steps=len(completions) if grant.steps else 0,
            dollars=dollars,
            flops=flops,
        )

    # -- verifier calls -----------------------------------------------------------------------
    def request_verification(self, max_tokens: int) -> Grant | None:
        """Reserve `max_tokens` verifier tokens, or None when they are not left."""
        seconds = self.remaining_seconds()
        if seconds is not None and seconds <= 0:
            return None
        if max_tokens > self._left(self.limits.max_tokens, self._committed().tokens):
            return None
        grant = Grant(next(self._ids), 0, max_tokens, seconds)
        self._reserved[grant.id] = _Reservation(tokens=max_tokens)
        return grant

    def settle_verification(self, grant: Grant, verdict: Verdict | None) -> None:
        self.settle_verifier_tokens(grant, 0 if verdict is None else verdict.tokens)

    def settle_verifier_tokens(self, grant: Grant, tokens: int) -> None:
        """One verifier call (a check, a judge's question) that read and wrote `tokens` tokens in all."""
        self._reserved.pop(grant.id)
        if tokens > grant.max_tokens_each:
            log.warning("verifier spent %d tokens, more than its bound %d", tokens, grant.max_tokens_each)
        self._spent = self._spent + Usage(verifier_tokens=tokens, verifier_calls=1)
