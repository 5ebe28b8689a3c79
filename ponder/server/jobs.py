"""Thinking for one chat request: the task its conversation states, the plan its `reasoning_effort` and
`ponder` options ask for (capped by the server), and n independent solves whose progress comes out as
readable lines of reasoning while they run."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import AsyncIterator, Callable, Sequence

from ponder.budget import BudgetError, Limits
from ponder.engine import DEFAULT_EFFORT, Plan, make_plan, solve
from ponder.generators.base import Forwarding, Generator, GeneratorError, GeneratorTimeout
from ponder.server.config import ServerConfig
from ponder.server.errors import ApiError, bad_request
from ponder.server.protocol import ChatRequest
from ponder.strategies import default_strategy, get_strategy
from ponder.strategies.registry import get_spec, needing_no_verifier
from ponder.verifiers.base import Behaviour
from ponder.strategies.base import StrategyError
from ponder.types import Event
from ponder.tasks import get_task
from ponder.tasks import recognise as recognise_statement
from ponder.tasks.base import Task
from ponder.tasks.chat import ChatTask
from ponder.types import Generation, Message, Problem, Result, SamplingParams

@dataclass(frozen=True)
class Job:
    """Everything needed to think about one request."""

    problem: Problem
    task: Task
    plan: Plan
    n: int
    effort: str | None
    verifier: str  # the checker's name, or "none"


@dataclass(frozen=True)
class Reasoning:
    index: int  # which choice
    text: str  # one line of the account


@dataclass(frozen=True)
class Finished:
    index: int
    result: Result


def conversation(request: ChatRequest) -> list[Message]:
    roles = {"developer": "system"}
    return [Message(roles.get(m.role, m.role), m.text()) for m in request.messages]  # type: ignore[arg-type]


def recognise(messages: Sequence[Message], request_id: str) -> tuple[Problem, Task]:
    """The problem the last user message states in words (a task in the registry recognises it), else chat."""
    last = next((m.content for m in reversed(messages) if m.role == "user"), "")
    problem = recognise_statement(last, request_id)
    task: Task
    if problem is not None:
        task = get_task(problem.task)
    else:
        task, problem = ChatTask(), Problem(id=request_id, task="chat", prompt=last)
    return replace(problem, messages=tuple(messages)), task


def code_problem(messages: Sequence[Message], request_id: str, tests: list[str], entry_point: str | None) -> tuple[Problem, Task]:
    """The code problem of a request that carries visible tests: candidates are run against them in the sandbox."""
    from ponder.tasks.base import TaskError
    from ponder.tasks.code import from_tests

    last = next((m.content for m in reversed(messages) if m.role == "user"), "")
    try:
        problem = from_tests(request_id, last, tests, entry_point)
    except TaskError as error:
        raise bad_request(str(error), "ponder.tests") from None
    return replace(problem, messages=tuple(messages)), get_task("code")


def check_thinking_n(request: ChatRequest, config: ServerConfig) -> None:
    """A 400 when a request that thinks asks for more answers than the server allows (each is a whole
    thought-through solve, or a whole chain of a model that thinks)."""
    if request.thinking and request.n > config.max_thinking_n:
        raise bad_request(f"n must be at most {config.max_thinking_n} when thinking", "n")


def resolve(request: ChatRequest, config: ServerConfig, request_id: str, seed: int) -> Job:
    """The job a thinking request asks for, or a 400 naming what is wrong and what is allowed."""
    options = request.ponder
    check_thinking_n(request, config)
    if options is not None and options.tests is not None:
        problem, task = code_problem(conversation(request), request_id, options.tests, options.entry_point)
    else:
        problem, task = recognise(conversation(request), request_id)
    if options is not None and options.verifier == "none" and task.verifier is not None:
        task = replace(task, verifier=None)  # type: ignore[type-var]
    strategy = options.strategy if options else None
    effort = request.reasoning_effort or DEFAULT_EFFORT
    if strategy is None and effort != "none":
        judged = task.verifier is None and config.judge is not None
        strategy = config.judge_strategy if judged else default_strategy(verified=task.verifier is not None)
    if strategy is not None and get_strategy(strategy).searches_steps:
        usable = ", ".join(needing_no_verifier())
        raise bad_request(f"strategy {strategy!r} searches over reasoning steps with a process verifier, which ponder serve "
                          f"does not take; use `ponder solve --prm` for it, or one of: {usable}, best_of_n", "ponder.strategy")
    if strategy is not None and get_spec(strategy).verifier == "runs" and not isinstance(task.verifier, Behaviour):
        raise bad_request(f"strategy {strategy!r} runs candidates as code, which this request's task cannot", "ponder.strategy")
    if strategy is not None and get_strategy(strategy).needs_verifier and task.verifier is None:
        usable = ", ".join(needing_no_verifier())
        why = "verifier is 'none'" if options and options.verifier == "none" else "the message states no problem a task with a checker recognises"
        raise bad_request(f"strategy {strategy!r} needs a verifier and this request has none ({why}); use one of: {usable}", "ponder.strategy")
    budget = options.budget if options and options.budget else None
    overrides = Limits(**budget.model_dump()) if budget else None
    requested_tokens = request.max_completion_tokens or request.max_tokens
    per_candidate = min(config.max_tokens_per_candidate, requested_tokens or config.max_tokens_per_candidate)
    params = SamplingParams(
        temperature=1.0 if request.temperature is None else request.temperature,
        top_p=request.top_p,
        max_tokens=per_candidate,
    )
    try:
        plan = make_plan(strategy=strategy, effort=effort, overrides=overrides, params=params, seed=seed, presets=config.efforts)
    except (BudgetError, StrategyError) as error:
        raise bad_request(str(error), "reasoning_effort") from None
    cap = config.budget_cap if requested_tokens is None else config.budget_cap.capped_by(Limits(max_tokens=requested_tokens))
    plan = replace(plan, limits=plan.limits.capped_by(cap))
    verifier = task.verifier.name if task.verifier is not None and get_strategy(plan.strategy).uses_verifier else "none"
    if "judge" in get_spec(plan.strategy).options:
        verifier = f"judge: {request.model if config.judge in (None, 'self') else config.judge}"
    return Job(problem, task, plan, request.n, request.reasoning_effort, verifier)


def headline(job: Job) -> str:
    limits = ", ".join(f"{v:g} {k.removeprefix('max_')}" for k, v in vars(job.plan.limits).items() if v is not None)
    statement = job.task.statement
    what = f"a {job.task.name} problem" if statement is None else f"a problem read as {statement.describe(job.problem)}"
    what = "a chat message" if job.task.name == "chat" else what
    checking = f"checking candidates with the {job.verifier} verifier" if job.verifier != "none" else "with no verifier"
    return f"Thinking about {what} with {job.plan.strategy}, {checking}, within {limits}."


class _Recorder(Forwarding):
    """The request's generator, remembering the backend failures a strategy absorbs (so a request
    that got no candidate at all can say why)."""

    def __init__(self, inner: Generator):
        super().__init__(inner)
        self.failures: list[GeneratorError] = []

    async def generate(self, messages, n, params, timeout=None, **options) -> Generation:
        try:
            return await self.inner.generate(messages, n, params, timeout, **options)
        except GeneratorError as error:
            self.failures.append(error)
            raise


def _line(event: Event) -> str | None:
    return None if event.kind == "done" else event.message


async def think(
    job: Job, generator: Generator, on_event: Callable[[int, Event], None] | None = None
) -> AsyncIterator[Reasoning | Finished]:
    """Run the job's n solves concurrently; yield reasoning lines as they happen and each result as it
    finishes. Closing the iterator early (the client went away) cancels every solve and backend call.
    Raises ApiError 502/504 when the backend failed so that a choice got no candidate at all."""
    recorder = _Recorder(generator)
    queue: asyncio.Queue[Reasoning | Finished | BaseException] = asyncio.Queue()

    async def one(index: int) -> None:
        def report(event: Event) -> None:
            if on_event is not None:
                on_event(index, event)
            line = _line(event)
            if line is not None:
                queue.put_nowait(Reasoning(index, line))

        try:
            result = await solve(job.problem, job.task, recorder, job.plan, index=index, on_event=report)
        except Exception as error:  # surfaced to the caller, never lost in a background task
            queue.put_nowait(error)
            return
        queue.put_nowait(Finished(index, result))

    solves = [asyncio.create_task(one(i)) for i in range(job.n)]
    try:
        for index in range(job.n):
            yield Reasoning(index, headline(job))
        finished = 0
        while finished < job.n:
            item = await queue.get()
            if isinstance(item, GeneratorError):  # the backend cannot answer at all (unreachable, refused, no such model)
                raise ApiError(504 if isinstance(item, GeneratorTimeout) else 502, f"the backend failed: {item}")
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, Finished):
                finished += 1
                if not item.result.candidates and recorder.failures:
                    last = recorder.failures[-1]
                    raise ApiError(504 if isinstance(last, GeneratorTimeout) else 502, f"the backend failed: {last}")
            yield item
    finally:
        for task in solves:
            task.cancel()
        await asyncio.gather(*solves, return_exceptions=True)
