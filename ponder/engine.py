"""The engine: solve problems with a strategy, a generator and a task's verifier under a budget.
The CLI and the server call these functions; they hold no logic of their own."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, AsyncIterator, Callable, Mapping, Sequence

from ponder.budget import DEFAULT_EFFORTS, Budget, BudgetError, Limits, Price, effort_limits
from ponder.generators.base import BackendUnavailable, Generator
from ponder.strategies import default_strategy, get_strategy
from ponder.strategies.base import Run
from ponder.types import Event
from ponder.strategies.registry import StrategyError
from ponder.tasks.base import Task
from ponder.types import Problem, Result, SamplingParams, ThoughtListener
from ponder.verifiers.base import Verifier

log = logging.getLogger(__name__)
DEFAULT_EFFORT = "medium"


@dataclass(frozen=True)
class Plan:
    """How to think about each problem: the strategy, its limits and its sampling."""

    strategy: str = default_strategy(verified=True)
    limits: Limits = field(default_factory=lambda: DEFAULT_EFFORTS[DEFAULT_EFFORT])
    params: SamplingParams = field(default_factory=SamplingParams)
    seed: int = 0  # seeds each problem's sampling (problem i gets seed + i * 100003)
    batch_size: int = 16
    price: Price | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # the strategy's own options, e.g. adaptive's allocation


def make_plan(
    *,
    strategy: str | None = None,
    effort: str | None = None,
    overrides: Limits | None = None,
    params: SamplingParams = SamplingParams(),
    seed: int = 0,
    presets: Mapping[str, Limits] = DEFAULT_EFFORTS,
    price: Price | None = None,
    batch_size: int = 16,
    options: Mapping[str, Any] | None = None,
    verified: bool = True,
) -> Plan:
    """A plan from user choices: effort picks limits, explicit limits override them field by field.
    Effort 'none' means answering at once: one greedy candidate unless a strategy is named. `verified`: the task
    has a verifier (else the default strategy is one that needs none)."""
    level = effort or DEFAULT_EFFORT
    limits = effort_limits(level, presets)
    if overrides is not None:
        limits = replace(limits, **{f.name: getattr(overrides, f.name) for f in fields(Limits) if getattr(overrides, f.name) is not None})
    if strategy is None:
        strategy = "single" if level == "none" else default_strategy(verified)
        if level == "none":
            params = replace(params, temperature=0.0)
    spec = get_strategy(strategy)
    spec.check_options(options or {})  # fail early on an unknown name or option
    if spec.searches_steps and (options or {}).get("prm") is None:
        raise StrategyError(f"strategy {strategy!r} searches over steps and needs a process verifier (prm: exact, learned or openai:MODEL@URL)")
    if spec.searches_steps and (options or {}).get("beam_width", 1) < 1:
        raise StrategyError("beam_width must be at least 1")
    if limits.max_dollars is not None and price is None:
        raise BudgetError("a dollar limit needs a price for the model (see --price-table)")
    return Plan(strategy=strategy, limits=limits, params=params, seed=seed, batch_size=batch_size, price=price,
                options=MappingProxyType(dict(options or {})))


def problem_seed(plan: Plan, index: int) -> int:
    return plan.seed + index * 100_003


def make_run(
    problem: Problem,
    generator: Generator,
    plan: Plan,
    *,
    extract: Callable[[str], str | None],
    verifier: Verifier | None,
    seed: int,
    budget: Budget | None = None,
    cap: int | None = None,
    on_event: Callable[[Event], None] = lambda event: None,
    on_text: ThoughtListener | None = None,
) -> Run:
    """The one way a strategy's Run is wired: the plan's strategy, sampling and limits (or a budget
    shared with other runs), the verifier only when the strategy consults one, seeded sampling."""
    return Run(
        problem=problem,
        strategy=plan.strategy,
        generator=generator,
        budget=budget or Budget(plan.limits, price=plan.price, parameter_count=generator.parameter_count),
        extract=extract,
        verifier=verifier if get_strategy(plan.strategy).uses_verifier else None,
        params=replace(plan.params, seed=seed),
        rng=random.Random(seed),
        on_event=on_event,
        batch_size=plan.batch_size,
        cap=cap,
        on_text=on_text,
    )


async def think(run: Run, plan: Plan) -> Result:
    """Run the plan's strategy (with its options) on a wired Run."""
    return await get_strategy(plan.strategy)(run, **plan.options)


async def solve(
    problem: Problem,
    task: Task,
    generator: Generator,
    plan: Plan,
    *,
    index: int = 0,
    on_event: Callable[[Event], None] = lambda event: None,
    on_text: ThoughtListener | None = None,
) -> Result:
    """Think about one problem within the plan's budget; always returns (anytime). `on_text` hears a
    thinking generator's chains as they are decoded."""
    run = make_run(problem, generator, plan, extract=task.extract, verifier=task.verifier, seed=problem_seed(plan, index),
                   on_event=on_event, on_text=on_text)
    return await think(run, plan)


@dataclass(frozen=True)
class Outcome:
    """One problem's result and grade (or the error that stopped it)."""

    index: int
    problem: Problem
    result: Result | None
    correct: bool | None
    error: str | None = None


async def solve_all(
    problems: Sequence[Problem],
    task: Task,
    generator: Generator,
    plan: Plan,
    *,
    concurrency: int = 1,
    on_event: Callable[[Event], None] = lambda event: None,
    on_text: ThoughtListener | None = None,
) -> AsyncIterator[Outcome]:
    """Solve many problems, `concurrency` at a time, yielding outcomes as they finish. A failure on
    one problem is recorded in its outcome and never stops the others; a backend that cannot answer at
    all (`BackendUnavailable`) stops them all, raised once."""
    slots = asyncio.Semaphore(concurrency)

    async def one(index: int, problem: Problem) -> Outcome:
        async with slots:
            try:
                result = await solve(problem, task, generator, plan, index=index, on_event=on_event, on_text=on_text)
            except BackendUnavailable:
                raise  # nothing can answer any problem: the batch stops with this one error
            except Exception as error:  # one bad problem must not lose the batch; the error is kept
                log.error("problem %s failed: %s", problem.id, error)
                log.debug("problem %s failed", problem.id, exc_info=True)
                return Outcome(index, problem, None, None, f"{type(error).__name__}: {error}")
            if result.stop_reason == "error":  # no candidate came back: nothing to grade
                return Outcome(index, problem, result, None, result.error)
            return Outcome(index, problem, result, task.grade(problem, result.answer))

    pending = [asyncio.ensure_future(one(i, p)) for i, p in enumerate(problems)]
    try:
        for finished in asyncio.as_completed(pending):
            yield await finished
    finally:
        for task_ in pending:
            task_.cancel()
