"""Replies to requests that think: the chat response or its chunks, with every choice's reasoning, the
usage of every token spent, and the `ponder` account of what ran."""

from __future__ import annotations

import time
from pathlib import Path
from typing import AsyncIterator, Sequence

from ponder.server import protocol as p
from ponder.server.ledger import Record
from ponder.server.models import ServedModel
from ponder.server.streaming import DONE, Chunker
from ponder.server.jobs import Finished, Job, Reasoning, think
from ponder.trace import TraceWriter, event_record, result_record
from ponder.types import Result, Usage


def spent_by(results: Sequence[Result]) -> Usage:
    return sum((r.usage for r in results), Usage())


def usage_of(results: Sequence[Result]) -> tuple[p.Usage, Usage]:
    """The OpenAI usage of thought-through answers (every token counted; reasoning_tokens are all
    generated tokens except the returned answers'), and the summed spend behind it."""
    spent = spent_by(results)
    answers = sum(r.candidates[r.chosen].completion.answer_tokens for r in results if r.chosen is not None)
    completion = spent.generated_tokens
    usage = p.Usage(
        prompt_tokens=spent.prompt_tokens,
        completion_tokens=completion,
        total_tokens=spent.prompt_tokens + completion,
        completion_tokens_details=p.CompletionTokensDetails(reasoning_tokens=completion - answers),
    )
    return usage, spent


def ponder_info(job: Job, results: Sequence[Result]) -> p.PonderInfo:
    return p.PonderInfo(
        strategy=job.plan.strategy,
        effort=job.effort,
        task=job.task.name,
        verifier=job.verifier,
        budget={k: v for k, v in vars(job.plan.limits).items() if v is not None},
        spend=spent_by(results).to_dict(),
        choices=[
            p.PonderChoice(index=i, candidates=len(r.candidates), chosen=r.chosen, answer=r.answer, stop_reason=r.stop_reason,
                           spend=r.usage.to_dict())
            for i, r in enumerate(results)
        ],
    )


def finish_reason(result: Result) -> str:
    if result.chosen is None:  # no candidate chosen: an answer from a check (self_test's program) stopped; none ran out
        return "stop" if result.answer is not None else "length"
    return "length" if result.candidates[result.chosen].completion.finish_reason in ("length", "deadline") else "stop"


async def _run(job: Job, served: ServedModel, record: Record, trace_dir: Path | None) -> AsyncIterator[Reasoning | Finished]:
    """The job's solves, each event and result written to the request's trace when the server keeps them."""
    tracer = None
    if trace_dir is not None:
        trace_dir.mkdir(parents=True, exist_ok=True)
        tracer = TraceWriter(trace_dir / f"{record.id}.jsonl")
    on_event = (lambda index, event: tracer.write({**event_record(event), "choice": index})) if tracer else None
    try:
        async for item in think(job, served.generator, on_event=on_event):
            if tracer is not None and isinstance(item, Finished):
                tracer.write({**result_record(item.result), "choice": item.index})
            yield item
    finally:
        if tracer is not None:
            tracer.close()


async def response(job: Job, served: ServedModel, request: p.ChatRequest, record: Record, trace_dir: Path | None) -> p.ChatResponse:
    lines: list[list[str]] = [[] for _ in range(job.n)]
    results: list[Result | None] = [None] * job.n
    async for item in _run(job, served, record, trace_dir):
        if isinstance(item, Reasoning):
            lines[item.index].append(item.text)
        else:
            results[item.index] = item.result
    done = [r for r in results if r is not None]
    usage, _ = usage_of(done)
    record.usage = usage.model_dump(exclude_none=True)
    choices = [
        p.Choice(index=i, message=p.ResponseMessage(content=r.text or "", reasoning="\n".join(lines[i])), finish_reason=finish_reason(r))
        for i, r in enumerate(done)
    ]
    return p.ChatResponse(id=record.id, created=int(time.time()), model=request.model, choices=choices, usage=usage,
                          ponder=ponder_info(job, done))


async def chunks(job: Job, served: ServedModel, request: p.ChatRequest, record: Record, trace_dir: Path | None) -> AsyncIterator[bytes]:
    chunk = Chunker(record.id, request.model)
    for index in range(job.n):
        yield chunk.delta(index, role="assistant", content="")
    results: dict[int, Result] = {}
    done: list[Result] = []
    async for item in _run(job, served, record, trace_dir):
        if isinstance(item, Reasoning):
            yield chunk.delta(item.index, reasoning=item.text + "\n")
            continue
        results[item.index] = item.result
        if item.result.text:
            yield chunk.delta(item.index, content=item.result.text)
        done = [results[i] for i in sorted(results)]
        last = len(done) == job.n  # the account of the whole request rides on the last choice's finish
        yield chunk.finish(item.index, finish_reason(item.result), ponder_info(job, done) if last else None)
    usage, _ = usage_of(done)
    record.usage = usage.model_dump(exclude_none=True)
    if request.include_usage:
        yield chunk.usage(usage)
    yield DONE
