"""Raw replies: the served model's own answer (no strategy), streamed or whole. A model that thinks
answers `reasoning_effort` with one chain whose thinking budget the effort table sets (o1 semantics);
its thought streams as it is decoded."""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator

from ponder.engine import DEFAULT_EFFORT
from ponder.generators.base import GeneratorError, GeneratorTimeout, UnsupportedRequest
from ponder.server import protocol as p
from ponder.server.config import ServerConfig
from ponder.server.errors import ApiError, bad_request
from ponder.server.ledger import Record
from ponder.server.models import ServedModel
from ponder.server.streaming import DONE, Chunker
from ponder.server.jobs import check_thinking_n, conversation
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.tasks import get_task, recognise
from ponder.tasks.base import MAX_STATEMENT_CHARS
from ponder.tasks.chat import ChatTask
from ponder.types import REFUSED, SamplingParams, Usage



def finish_reason(completion_finish: str) -> str:
    return "stop" if completion_finish in ("stop", REFUSED) else "length"


def account(request: p.ChatRequest, params: SamplingParams, generation) -> p.PonderInfo | None:
    """The `ponder` account of a model that thinks answering `reasoning_effort` itself (one chain per
    choice, its thinking budget set by the effort): None for a plain raw reply."""
    if params.thinking is None:
        return None
    last = next((m.text() for m in reversed(request.messages) if m.role == "user"), "")
    problem = recognise(last, "raw") if len(last) <= MAX_STATEMENT_CHARS else None  # linear readers, bounded text
    task = get_task(problem.task) if problem is not None else ChatTask()
    choices = [
        p.PonderChoice(index=i, candidates=1, chosen=0, answer=task.extract(c.text), stop_reason={"stop": "done", REFUSED: "refused"}.get(c.finish_reason, "budget"),
                       spend=Usage(completion_tokens=c.completion_tokens, thinking_tokens=c.thinking_tokens, tool_tokens=c.tool_tokens,
                                   answer_tokens=c.answer_tokens, forced_tokens=c.forced_tokens, candidates=1).to_dict())
        for i, c in enumerate(generation.completions)
    ]
    spend = Usage(prompt_tokens=generation.prompt_tokens, completion_tokens=generation.completion_tokens, calls=generation.calls,
                  candidates=len(choices), thinking_tokens=sum(c.thinking_tokens for c in generation.completions))
    budget = {"max_tokens": params.max_tokens} | ({} if params.thinking.cap is None else {"thinking_tokens": params.thinking.cap})
    return p.PonderInfo(strategy="think", effort=request.reasoning_effort, task=task.name, verifier="none", budget=budget,
                        spend=spend.to_dict(), choices=choices)


def sampling(request: p.ChatRequest, served: ServedModel, config: ServerConfig, thinks: bool = True) -> SamplingParams:
    """The request's sampling parameters under the server's caps; a thinking budget for a model that thinks."""
    if request.n > 1 and not config.support_n:
        raise bad_request("n > 1 is not supported by this server", "n")
    check_thinking_n(request, config)
    requested = request.max_completion_tokens or request.max_tokens
    params = SamplingParams(
        temperature=1.0 if request.temperature is None else request.temperature,
        top_p=request.top_p,
        max_tokens=min(requested or config.max_tokens_per_candidate, config.max_tokens_per_candidate),
        seed=request.seed,
    )
    if not (thinks and served.generator.capabilities.thinks):
        return params
    if not request.thinking and served.proxy is not None:
        return params  # a remote model that thinks: budgets only when asked
    # o1 semantics: reasoning_effort sets the thinking budget; max_completion_tokens caps thinking plus answer.
    effort = request.reasoning_effort or DEFAULT_EFFORT
    budget = thinking_budget(config.thinking_efforts[effort])
    limit = config.budget_cap.max_tokens
    return with_thinking(params, budget, min(requested, limit) if requested and limit else requested)


async def _generation(served: ServedModel, request: p.ChatRequest, config: ServerConfig, record: Record, **live):
    try:
        if record.mode == "continue":
            params = sampling(request, served, config, thinks=False)
            generation = await served.generator.continue_final(  # type: ignore[attr-defined]
                conversation(request), request.n, params, stop=request.stops, include_stop=request.include_stop_str_in_output,
            )
        else:
            params = sampling(request, served, config)
            generation = await served.generator.generate(conversation(request), request.n, params, **live)
    except GeneratorTimeout as error:
        raise ApiError(504, str(error)) from None
    except UnsupportedRequest as error:
        raise bad_request(str(error), "messages") from None
    except GeneratorError as error:
        raise ApiError(502, str(error)) from None
    thought = sum(c.completion_tokens - c.answer_tokens for c in generation.completions)
    usage = p.Usage(
        prompt_tokens=generation.prompt_tokens,
        completion_tokens=generation.completion_tokens,
        total_tokens=generation.prompt_tokens + generation.completion_tokens,
        completion_tokens_details=p.CompletionTokensDetails(reasoning_tokens=thought) if thought else None,
    )
    record.usage = usage.model_dump(exclude_none=True)
    return generation, usage, params


async def response(served: ServedModel, request: p.ChatRequest, config: ServerConfig, record: Record) -> p.ChatResponse:
    generation, usage, params = await _generation(served, request, config, record)
    choices = [
        p.Choice(index=i, message=p.ResponseMessage(content=c.text, reasoning=c.reasoning), finish_reason=finish_reason(c.finish_reason))
        for i, c in enumerate(generation.completions)
    ]
    return p.ChatResponse(id=record.id, created=int(time.time()), model=request.model, choices=choices, usage=usage,
                          ponder=account(request, params, generation))


async def chunks(served: ServedModel, request: p.ChatRequest, config: ServerConfig, record: Record) -> AsyncIterator[bytes]:
    chunk = Chunker(record.id, request.model)
    for index in range(request.n):
        yield chunk.delta(index, role="assistant", content="")
    thinks = served.generator.capabilities.streams_thought and record.mode != "continue"
    if thinks:  # the thought streams as it is decoded (delta.reasoning), the answer once it is known
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[tuple[int, str, str]] = asyncio.Queue()

        def heard(index: int, channel: str, text: str) -> None:
            if channel in ("thought", "tool"):
                loop.call_soon_threadsafe(pieces.put_nowait, (index, channel, text))

        running = asyncio.ensure_future(_generation(served, request, config, record, on_text=heard))
        try:
            while not running.done() or not pieces.empty():
                getter = asyncio.ensure_future(pieces.get())
                await asyncio.wait({getter, running}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    index, _, text = getter.result()
                    yield chunk.delta(index, reasoning=text.replace(";", "\n"))
                else:
                    getter.cancel()
            generation, usage, params = running.result()
        finally:
            running.cancel()
    else:
        generation, usage, params = await _generation(served, request, config, record)
    ponder = account(request, params, generation)
    last = len(generation.completions) - 1
    for index, completion in enumerate(generation.completions):
        if completion.reasoning and not thinks:
            yield chunk.delta(index, reasoning=completion.reasoning)
        yield chunk.delta(index, content=completion.text)
        yield chunk.finish(index, finish_reason(completion.finish_reason), ponder if index == last else None)
    if request.include_usage:
        yield chunk.usage(usage)
    yield DONE
