"""`ponder scale`'s sweep: draw N samples per problem once, score each, store them as they come.

Every budget k <= N of the pool strategies is then estimated from that pool (curves.py), so a whole
curve costs N samples per problem. Strategies the registry marks per-budget (revise, adaptive) cannot be
subsampled: they are run once per budget, and the report says so. Work is cut into units (one chunk of one problem's
samples, or one sequential run), each with its own seed, and stored atomically (store.py): a sweep that
is killed resumes where it stopped and produces exactly what an uninterrupted sweep would have.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Awaitable, Callable, Sequence

from ponder.budget import Limits
from ponder.engine import Plan, solve
from ponder.generators.base import Generator, GeneratorError
from ponder.scaling.curves import Sample, budgets
from ponder.scaling.store import RunRecord, Store, StoredSample
from ponder.scaling.config import SweepConfig, SweepError
from ponder.strategies import get_strategy
from ponder.strategies.adaptive import Allocation
from ponder.types import Event
from ponder.tasks.base import Task
from ponder.types import Message, Problem
from ponder.workers.base import InProcess, Workers, WorkerLost
from ponder.workers.drain import drain

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
DEADLINE = "deadline"  # the finish reason of a completion its request's timeout cut off


@dataclass
class SweepProgress:
    """Running totals the progress bar shows."""

    done: int = 0  # work done, in samples (a sequential run counts its budget)
    total: int = 0
    tokens: int = 0  # generated tokens spent in this session (generator and verifier)
    prompt_tokens: int = 0
    failed_units: int = 0


@dataclass(frozen=True)
class SweepSummary:
    samples_drawn: int  # in this session
    runs_done: int
    failed_units: tuple[str, ...]  # still missing after every retry; a re-run retries them
    skipped: tuple[str, ...]  # phases that could not run yet, and why
    progress: SweepProgress


def chunk_seed(seed: int, problem_id: str, start: int) -> int:
    """The sampling seed of one chunk: a function of what it is, not of when it ran.

    >>> chunk_seed(0, "p1", 0) == chunk_seed(0, "p1", 0) != chunk_seed(0, "p1", 16)
    True
    """
    return int.from_bytes(hashlib.sha256(f"{seed}/{problem_id}/{start}".encode()).digest()[:4], "little")


def spread(total: int, parts: int) -> list[int]:
    """Split a count over parts as evenly as integers allow; the first parts get the remainder.

    >>> spread(10, 4)
    [3, 3, 2, 2]
    """
    return [total // parts + (i < total % parts) for i in range(parts)]


class UnitError(RuntimeError):
    """One work unit did not complete (it is recorded and retried)."""


@dataclass(frozen=True)
class SweepState:
    """What a worker holds to run a sweep's units: the task, the generator (loaded once), the PRM and the judge."""

    task: Task
    generator: Generator
    prm: Any = None
    judge: Generator | None = None  # None: the judge strategies ask the generator itself


def sweep_state(config: SweepConfig) -> SweepState:
    """A worker's setup: load what `config` names (picklable with the config, for process and Ray workers)."""
    from ponder.loading import load_generator
    from ponder.generators.few_shot import with_few_shot
    from ponder.tasks import get_task

    generator = with_few_shot(load_generator(config.model, timeout=config.timeout), config.few_shot)
    return SweepState(get_task(config.task), generator, needed_prm(config), needed_judge(config))


def needed_judge(config: SweepConfig) -> Generator | None:
    """The judge model when one is named and a strategy of the sweep asks a judge, else None."""
    if config.judge is None or not any("judge" in get_strategy(s).options for s in config.strategies):
        return None
    from ponder.loading import load_generator

    return load_generator(config.judge, timeout=config.timeout)


def needed_prm(config: SweepConfig) -> Any:
    """The process verifier when a per-budget strategy searches over steps, else None."""
    if not any(get_strategy(s).per_budget and get_strategy(s).searches_steps for s in config.strategies):
        return None
    from ponder.loading import load_prm

    return load_prm(config.prm, config.timeout)


async def chunk_unit(state: SweepState, problem: Problem, config: SweepConfig, start: int, size: int) -> list[StoredSample]:
    return await draw_chunk(problem, state.task, state.generator, config, start, size)


async def run_unit(
    state: SweepState, problem: Problem, index: int, config: SweepConfig, strategy: str, budget: int, allocation: Allocation | None
) -> RunRecord:
    return await sequential_run(problem, index, state.task, state.generator, config, strategy, budget, allocation, state.prm, state.judge)


async def draw_chunk(
    problem: Problem, task: Task, generator: Generator, config: SweepConfig, start: int, size: int
) -> list[StoredSample]:
    """Samples start..start+size-1 of one problem, each extracted, verified and graded."""
    params = replace(config.params, seed=chunk_seed(config.seed, problem.id, start))
    generation = await generator.generate([Message("user", problem.prompt)], size, params, timeout=config.timeout)
    if len(generation.completions) != size:
        raise UnitError(f"asked for {size} completions, got {len(generation.completions)}")
    late = sum(c.finish_reason == DEADLINE for c in generation.completions)
    if late:  # cut off by the clock, not finished: grading them would make accuracy depend on the machine's load
        raise UnitError(f"{late} of {size} samples hit the {config.timeout:g} s request timeout (--timeout)")
    rows = []
    for offset, (completion, prompt_tokens) in enumerate(zip(generation.completions, spread(generation.prompt_tokens, size))):
        answer = task.extract(completion.text)
        verdict = None if task.verifier is None else await task.verifier.verify(problem, answer, completion.text)
        correct = task.grade(problem, answer)
        if correct is None:
            raise SweepError(f"problem {problem.id!r} has no reference answer; a sweep needs ground truth")
        score, checked = (None, 0) if verdict is None else (verdict.score, verdict.tokens)  # no verifier: nothing scored
        sample = Sample(problem.id, start + offset, answer, correct, score, prompt_tokens, completion.completion_tokens, checked)
        rows.append(StoredSample(sample, completion.finish_reason, completion.text))
    return rows


async def sequential_run(
    problem: Problem, index: int, task: Task, generator: Generator, config: SweepConfig, strategy: str, budget: int,
    allocation: Allocation | None = None, prm: Any = None, judge: Generator | None = None,
) -> RunRecord:
    """One sequential strategy on one problem with `budget` candidates; a generator error anywhere in
    the run fails the unit (to be retried) instead of quietly yielding a weaker result."""
    errors: list[str] = []

    def on_event(event: Event) -> None:
        if event.kind == "error":
            errors.append(event.message)

    options: dict[str, Any] = {} if allocation is None else {"allocation": allocation}
    if get_strategy(strategy).searches_steps:
        options["prm"] = prm
    if judge is not None and "judge" in get_strategy(strategy).options:
        options["judge"] = judge
    plan = Plan(strategy=strategy, limits=Limits(max_candidates=budget), params=config.params, seed=config.seed,
                batch_size=config.chunk, options=options)
    result = await solve(problem, task, generator, plan, index=index, on_event=on_event)
    if errors:
        raise UnitError(errors[0])
    late = sum(c.completion.finish_reason == DEADLINE for c in result.candidates)
    if late:
        raise UnitError(f"{late} of {len(result.candidates)} candidates hit the {config.timeout:g} s request timeout (--timeout)")
    usage = result.usage
    return RunRecord(strategy, budget, problem.id, result.answer, bool(task.grade(problem, result.answer)), len(result.candidates),
                     usage.prompt_tokens, usage.completion_tokens, usage.verifier_tokens, result.stop_reason)


async def with_retries(
    name: str, attempt: Callable[[], Awaitable[Any]], store: Store, config: SweepConfig, sleep: Callable[[float], Awaitable[None]]
) -> Any | None:
    """The unit's result, retrying failures with exponential backoff; every failure is recorded.
    None when it still fails after `config.retries` retries."""
    for tries in range(config.retries + 1):
        try:
            return await attempt()
        except (GeneratorError, UnitError, WorkerLost) as error:
            store.add_failure(name, tries, str(error))
            log.warning("%s failed (attempt %d of %d): %s", name, tries + 1, config.retries + 1, error)
            if tries < config.retries:
                await sleep(min(config.backoff * 2**tries, MAX_BACKOFF))
    return None


async def run_sweep(
    config: SweepConfig,
    problems: Sequence[Problem],
    task: Task,
    generator: Generator,
    store: Store,
    *,
    allocations: Callable[[int], dict[str, Allocation]] | None = None,
    on_progress: Callable[[SweepProgress], None] = lambda progress: None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    workers: Workers | None = None,
) -> SweepSummary:
    """Draw and store every missing sample, then every missing per-budget run. `allocations(k)` gives
    the policy per problem id at budget k (fitted on the stored pool) of strategies that take one (adaptive).
    Units run on `workers` (default: here, with `task` and `generator`); this process stores every result."""
    if not problems:
        raise SweepError("no problems to sweep")
    store.claim(config.identity(problems))
    store.put("problem_order", [p.id for p in problems])
    stored = store.stored_indices()
    chunks = [
        (index, problem, start, min(config.chunk, config.samples - start))
        for index, problem in enumerate(problems)
        for start in range(0, config.samples, config.chunk)
        if any((problem.id, i) not in stored for i in range(start, min(start + config.chunk, config.samples)))
    ]
    sequential = [s for s in config.strategies if get_strategy(s).per_budget]
    if workers is None:
        workers = InProcess(SweepState(task, generator, needed_prm(config), needed_judge(config)))
    concurrency = max(config.concurrency, workers.slots)  # not part of what is drawn: any value gives the same samples
    done_runs = store.run_keys()
    ks = budgets(config.samples)
    pending_runs = [
        (strategy, k, index, problem)
        for strategy in sequential
        for k in ks
        for index, problem in enumerate(problems)
        if (strategy, k, problem.id) not in done_runs
    ]
    progress = SweepProgress(total=sum(size for *_, size in chunks) + sum(k for _, k, _, _ in pending_runs))
    failed: list[str] = []
    counts = {"samples": 0, "runs": 0}

    def unit(name: str, weight: int, attempt: Callable[[], Awaitable[Any]], keep: Callable[[Any], tuple[int, int]]) -> Callable[[], Awaitable[None]]:
        """A work unit: attempt it with retries, keep its result (returning generated and prompt tokens),
        and move the progress bar by its weight either way."""
        async def run() -> None:
            result = await with_retries(name, attempt, store, config, sleep)
            if result is None:
                failed.append(name)
                progress.failed_units = len(failed)
            tokens, prompt_tokens = (0, 0) if result is None else keep(result)
            progress.done += weight
            progress.tokens += tokens
            progress.prompt_tokens += prompt_tokens
            on_progress(progress)
        return run

    def keep_samples(rows: list[StoredSample]) -> tuple[int, int]:
        store.add_samples(rows)
        counts["samples"] += len(rows)
        return sum(r.sample.completion_tokens + r.sample.verifier_tokens for r in rows), sum(r.sample.prompt_tokens for r in rows)

    def keep_run(record: RunRecord) -> tuple[int, int]:
        store.add_run(record)
        counts["runs"] += 1
        return record.completion_tokens + record.verifier_tokens, record.prompt_tokens

    def sample_unit(index: int, problem: Problem, start: int, size: int) -> Callable[[], Awaitable[None]]:
        attempt = partial(workers.submit, chunk_unit, problem, config, start, size)
        return unit(f"samples {problem.id} [{start}, {start + size})", size, attempt, keep_samples)

    def budget_unit(strategy: str, k: int, index: int, problem: Problem, policy: Allocation | None) -> Callable[[], Awaitable[None]]:
        attempt = partial(workers.submit, run_unit, problem, index, config, strategy, k, policy)
        return unit(f"{strategy} at {k} candidates on {problem.id}", k, attempt, keep_run)

    on_progress(progress)
    await drain([sample_unit(*chunk) for chunk in chunks], concurrency)
    skipped = []
    pool_complete = not failed
    runs = []
    per_budget: dict[int, dict[str, Allocation]] = {}
    for strategy, k, index, problem in pending_runs:
        policy = None
        if get_strategy(strategy).fitted_on_pool:
            if not pool_complete or allocations is None:
                continue
            if k not in per_budget:
                per_budget[k] = allocations(k)
            policy = per_budget[k].get(problem.id)
        runs.append(budget_unit(strategy, k, index, problem, policy))
    for strategy in sequential:
        if get_strategy(strategy).fitted_on_pool and not pool_complete:
            skipped.append(f"{strategy}: its policy is fitted on the complete sample pool; re-run once the failed units succeed")
    await drain(runs, concurrency)
    return SweepSummary(counts["samples"], counts["runs"], tuple(failed), tuple(skipped), progress)
