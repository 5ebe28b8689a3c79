"""The chat service: what a chat completion request does, independent of HTTP.

A request is answered one of three ways: thinking (it set `reasoning_effort` or `ponder`): the engine
solves it n times under a budget and the answer carries its reasoning, usage and a `ponder` account;
raw pass-through to an OpenAI-compatible backend (bytes in, bytes out: tools and streams intact); or
raw generation by a local model. Every request is admitted against the concurrency limit, metered,
and logged as one JSON line when it ends, however it ends."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from dataclasses import dataclass, field
from typing import AsyncIterator, Callable, Mapping, Sequence

import orjson

from ponder.generators.base import GeneratorError, GeneratorTimeout, UnsupportedRequest
from ponder.offload import off_loop
from ponder.server import protocol as p
from ponder.server.admission import Admission, LocalAdmission
from ponder.server.config import ServerConfig
from ponder.server.errors import ApiError, bad_request
from ponder.server.metrics import Metrics
from ponder.server.models import ServedModel
from ponder.server.proxy import Answer
from ponder.engine import DEFAULT_EFFORT
from ponder.server.thinking import Finished, Job, Reasoning, check_thinking_n, conversation, resolve, think
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.trace import TraceWriter, event_record, result_record
from ponder.types import Result, SamplingParams, Usage

log = logging.getLogger("ponder.server.requests")
RETRY_AFTER_SECONDS = 1
RESOLVE_SECONDS = 5.0  # recognising a request's problem; linear in its text, so only an overloaded server passes it


@dataclass
class Stream:
    """An SSE body and what to do when it ends (normally, on error or on disconnect)."""

    chunks: AsyncIterator[bytes]
    close: Callable[[], None]


Reply = p.ChatResponse | Answer | Stream


@dataclass
class Record:
    """One request's log line, filled in as it is answered."""

    id: str
    model: str
    mode: str  # thinking, proxy or generate (raw until the model is known)
    stream: bool
    effort: str | None = None
    strategy: str | None = None
    status: int = 200
    outcome: str = "ok"  # ok, error, disconnected
    usage: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


def sse(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


DONE = b"data: [DONE]\n\n"


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
            p.PonderChoice(
                index=i,
                candidates=len(r.candidates),
                chosen=r.chosen,
                answer=r.answer,
                stop_reason=r.stop_reason,
                spend=r.usage.to_dict(),
            )
            for i, r in enumerate(results)
        ],
    )


def raw_finish_reason(completion_finish: str) -> str:
    return "stop" if completion_finish == "stop" else "length"


def finish_reason(result: Result) -> str:
    if result.chosen is None:
        return "length"
    return "length" if result.candidates[result.chosen].completion.finish_reason in ("length", "deadline") else "stop"


class ChatService:
    def __init__(self, models: Mapping[str, ServedModel], config: ServerConfig, metrics: Metrics, rng: random.Random,
                 admission: Admission | None = None):
        self.models = models
        self.config = config
        self.metrics = metrics
        self.rng = rng  # seeds requests that bring none
        self.admission = admission if admission is not None else LocalAdmission(config.max_concurrency)

    # -- admission and bookkeeping ---------------------------------------------------------------
    def model(self, name: str) -> ServedModel:
        served = self.models.get(name)
        if served is None:
            raise ApiError(404, f"model {name!r} not found; available: {', '.join(self.models)}", "model", "model_not_found")
        return served

    def _admit(self) -> None:
        if not self.admission.enter():
            raise ApiError(
                429,
                f"the server is answering its limit of {self.config.max_concurrency} requests; retry shortly",
                code="rate_limit_exceeded",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        self.metrics.in_flight.inc()

    def _finish(self, record: Record) -> None:
        self.admission.leave()
        self.metrics.in_flight.dec()
        seconds = time.perf_counter() - record.started
        self.metrics.latency.labels(record.mode).observe(seconds)
        if record.outcome == "disconnected":
            self.metrics.disconnects.inc()
        self._account(record, seconds)

    def _label(self, model: str) -> str:
        return model if model in self.models else ""  # unknown names must not grow the metric without bound

    def _account(self, record: Record, seconds: float) -> None:
        """Count the request in the metrics and write its log line."""
        self.metrics.requests.labels(self._label(record.model), record.mode, str(record.status)).inc()
        log.info(
            json.dumps(
                {
                    "event": "chat", "id": record.id, "model": record.model, "mode": record.mode, "stream": record.stream,
                    "effort": record.effort, "strategy": record.strategy, "status": record.status, "outcome": record.outcome,
                    "usage": record.usage, "latency_ms": round(seconds * 1000, 3), "pid": os.getpid(),
                }
            )
        )

    # -- the one entry point --------------------------------------------------------------------
    async def chat(self, request: p.ChatRequest, payload: dict, request_id: str) -> Reply:
        """Answer a chat request (`payload` is its JSON as sent, for pass-through). Raises ApiError
        for anything answered with an error status. A returned Stream finishes the request's
        bookkeeping when it is closed."""
        record = Record(request_id, request.model, "thinking" if request.thinking else "raw", request.stream, effort=request.reasoning_effort)
        try:
            self._admit()
        except ApiError as error:
            record.status, record.outcome = error.status, "refused"
            self._account(record, 0.0)
            raise
        try:
            served = self.model(request.model)
            mode = record.mode = self._mode(request, served)
            if mode == "thinking":
                job = await self._resolve(request, request_id)
                record.strategy = job.plan.strategy
                reply: Reply = (
                    self._stream(self._think_chunks(job, served, request, record), record)
                    if request.stream
                    else await self._think(job, served, request, record)
                )
            elif mode == "proxy":
                reply = await self._proxy(served, payload, record)
            elif request.stream:
                reply = self._stream(self._generate_chunks(served, request, record), record)
            else:
                reply = await self._generate(served, request, record)
        except BaseException as error:
            record.status, record.outcome = _status_of(error)
            self._finish(record)
            raise
        if not isinstance(reply, Stream):
            if isinstance(reply, Answer):
                record.status = reply.status
            self._finish(record)
        return reply

    @staticmethod
    def _mode(request: p.ChatRequest, served: ServedModel) -> str:
        """thinking, proxy or generate. Tool calls are the backend's business: a request with tools
        goes to it as sent (reasoning_effort included, for backends that reason natively)."""
        if request.tools:
            if served.proxy is None:
                raise bad_request(f"model {served.name!r} does not call tools; serve a backend that does", "tools")
            return "proxy"
        if request.continue_final_message:
            return "proxy" if served.proxy else ChatService._continuable(request, served)
        thinks = getattr(served.generator, "thinks", False)
        if request.thinking and not (thinks and request.ponder is None):
            return "thinking"
        if request.thinking:
            return "generate"  # a model that thinks answers reasoning_effort itself: one chain, its length set by the effort
        return "proxy" if served.proxy else "generate"

    @staticmethod
    def _continuable(request: p.ChatRequest, served: ServedModel) -> str:
        """`continue`, or a 400 saying why this request cannot continue a message here."""
        if not getattr(served.generator, "continues", False):
            raise bad_request(f"model {served.name!r} cannot continue a final assistant message", "continue_final_message")
        if request.messages[-1].role != "assistant":
            raise bad_request("continue_final_message needs the last message to be the assistant's", "messages")
        if request.add_generation_prompt:
            raise bad_request("continue_final_message and add_generation_prompt cannot both be true", "add_generation_prompt")
        if request.thinking:
            raise bad_request("continue_final_message continues raw text: drop reasoning_effort and ponder", "continue_final_message")
        return "continue"

    async def _resolve(self, request: p.ChatRequest, request_id: str) -> Job:
        """The thinking job, worked out off the event loop: recognising the problem a long message states
        takes time, and every other client waits while the loop computes."""
        try:
            return await off_loop(resolve, request, self.config, request_id, self._seed(request), seconds=RESOLVE_SECONDS)
        except TimeoutError:
            raise ApiError(503, f"the request could not be read within {RESOLVE_SECONDS:g} s; retry shortly", code="overloaded",
                           headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None

    def _seed(self, request: p.ChatRequest) -> int:
        return request.seed if request.seed is not None else self.rng.randrange(2**31)

    def _stream(self, chunks: AsyncIterator[bytes], record: Record) -> Stream:
        """SSE chunks that end with [DONE], or with an error event when answering fails midway."""
        finished = False
        record.outcome = "pending"  # until the body has been sent in full

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in chunks:
                    yield chunk
                record.outcome = "ok"
            except ApiError as error:
                record.status, record.outcome = error.status, "error"
                yield sse(error.json())
                return
            except Exception as error:  # the status line is sent: the error must travel in the stream
                log.exception("stream %s failed", record.id)
                record.status, record.outcome = 500, "error"
                yield sse(ApiError(500, f"internal error: {type(error).__name__}").json())
                return
            except BaseException:  # cancelled: the client went away
                record.status, record.outcome = 499, "disconnected"
                raise

        def close() -> None:
            nonlocal finished
            if not finished:
                finished = True
                if record.outcome == "pending":  # never sent in full: the client went away first
                    record.status, record.outcome = 499, "disconnected"
                self._finish(record)

        return Stream(body(), close)

    # -- thinking -------------------------------------------------------------------------------
    def _tracer(self, record: Record):
        if self.config.trace_dir is None:
            return None
        self.config.trace_dir.mkdir(parents=True, exist_ok=True)
        return TraceWriter(self.config.trace_dir / f"{record.id}.jsonl")

    async def _run(self, job: Job, served: ServedModel, record: Record) -> AsyncIterator[Reasoning | Finished]:
        tracer = self._tracer(record)
        on_event = (lambda index, event: tracer.write({**event_record(event), "choice": index})) if tracer else None
        try:
            async for item in think(job, served.generator, on_event=on_event):
                if tracer is not None and isinstance(item, Finished):
                    tracer.write({**result_record(item.result), "choice": item.index})
                yield item
        finally:
            if tracer is not None:
                tracer.close()

    async def _think(self, job: Job, served: ServedModel, request: p.ChatRequest, record: Record) -> p.ChatResponse:
        lines: list[list[str]] = [[] for _ in range(job.n)]
        results: list[Result | None] = [None] * job.n
        async for item in self._run(job, served, record):
            if isinstance(item, Reasoning):
                lines[item.index].append(item.text)
            else:
                results[item.index] = item.result
        done = [r for r in results if r is not None]
        usage, _ = usage_of(done)
        record.usage = usage.model_dump(exclude_none=True)
        choices = [
            p.Choice(
                index=i,
                message=p.ResponseMessage(content=r.text or "", reasoning="\n".join(lines[i])),
                finish_reason=finish_reason(r),
            )
            for i, r in enumerate(done)
        ]
        return p.ChatResponse(
            id=record.id, created=int(time.time()), model=request.model, choices=choices, usage=usage, ponder=ponder_info(job, done)
        )

    async def _think_chunks(self, job: Job, served: ServedModel, request: p.ChatRequest, record: Record) -> AsyncIterator[bytes]:
        chunk = _Chunker(record.id, request.model)
        for index in range(job.n):
            yield chunk.delta(index, role="assistant", content="")
        results: dict[int, Result] = {}
        async for item in self._run(job, served, record):
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

    # -- raw: pass-through and local generation ----------------------------------------------------
    async def _proxy(self, served: ServedModel, payload: dict, record: Record) -> Answer | Stream:
        assert served.proxy is not None
        if not record.stream:
            answer = await served.proxy.complete(payload)
            record.usage = _reported_usage(answer)
            return answer
        error, chunks = await served.proxy.stream(payload)
        if error is not None:
            return error
        return self._stream(chunks, record)

    def _raw_params(self, request: p.ChatRequest, served: ServedModel, thinks: bool = True) -> SamplingParams:
        if request.n > 1 and not self.config.support_n:
            raise bad_request("n > 1 is not supported by this server", "n")
        check_thinking_n(request, self.config)
        requested = request.max_completion_tokens or request.max_tokens
        params = SamplingParams(
            temperature=1.0 if request.temperature is None else request.temperature,
            top_p=1.0 if request.top_p is None else request.top_p,
            max_tokens=min(requested or self.config.max_tokens_per_candidate, self.config.max_tokens_per_candidate),
            seed=request.seed,
        )
        if not (thinks and getattr(served.generator, "thinks", False)):
            return params
        if not request.thinking and served.proxy is not None:
            return params  # a remote model that thinks: budgets only when asked
        # o1 semantics: reasoning_effort sets the thinking budget; max_completion_tokens caps thinking plus answer.
        effort = request.reasoning_effort or DEFAULT_EFFORT
        budget = thinking_budget(self.config.thinking_efforts[effort])
        limit = self.config.budget_cap.max_tokens
        return with_thinking(params, budget, min(requested, limit) if requested and limit else requested)

    async def _generation(self, served: ServedModel, request: p.ChatRequest, record: Record, **live):
        try:
            if record.mode == "continue":
                generation = await served.generator.continue_final(  # type: ignore[attr-defined]
                    conversation(request), request.n, self._raw_params(request, served, thinks=False),
                    stop=request.stops, include_stop=request.include_stop_str_in_output,
                )
            else:
                generation = await served.generator.generate(conversation(request), request.n, self._raw_params(request, served), **live)
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
        return generation, usage

    async def _generate(self, served: ServedModel, request: p.ChatRequest, record: Record) -> p.ChatResponse:
        generation, usage = await self._generation(served, request, record)
        choices = [
            p.Choice(
                index=i,
                message=p.ResponseMessage(content=c.text, reasoning=c.reasoning),
                finish_reason=raw_finish_reason(c.finish_reason),
            )
            for i, c in enumerate(generation.completions)
        ]
        return p.ChatResponse(id=record.id, created=int(time.time()), model=request.model, choices=choices, usage=usage)

    async def _generate_chunks(self, served: ServedModel, request: p.ChatRequest, record: Record) -> AsyncIterator[bytes]:
        chunk = _Chunker(record.id, request.model)
        for index in range(request.n):
            yield chunk.delta(index, role="assistant", content="")
        thinks = getattr(served.generator, "thinks", False) and record.mode != "continue"
        if thinks:  # the thought streams as it is decoded (delta.reasoning), the answer once it is known
            loop = asyncio.get_running_loop()
            pieces: asyncio.Queue[tuple[int, str, str]] = asyncio.Queue()

            def heard(index: int, channel: str, text: str) -> None:
                if channel in ("thought", "tool"):
                    loop.call_soon_threadsafe(pieces.put_nowait, (index, channel, text))

            running = asyncio.ensure_future(self._generation(served, request, record, on_text=heard))
            try:
                while not running.done() or not pieces.empty():
                    getter = asyncio.ensure_future(pieces.get())
                    await asyncio.wait({getter, running}, return_when=asyncio.FIRST_COMPLETED)
                    if getter.done():
                        index, _, text = getter.result()
                        yield chunk.delta(index, reasoning=text.replace(";", "\n"))
                    else:
                        getter.cancel()
                generation, usage = running.result()
            finally:
                running.cancel()
        else:
            generation, usage = await self._generation(served, request, record)
        for index, completion in enumerate(generation.completions):
            if completion.reasoning and not thinks:
                yield chunk.delta(index, reasoning=completion.reasoning)
            yield chunk.delta(index, content=completion.text)
            yield chunk.finish(index, raw_finish_reason(completion.finish_reason))
        if request.include_usage:
            yield chunk.usage(usage)
        yield DONE


class _Chunker:
    """chat.completion.chunk events of one response."""

    def __init__(self, response_id: str, model: str):
        self.head = {"id": response_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def delta(self, index: int, **delta: str) -> bytes:
        return sse(orjson.dumps({**self.head, "choices": [{"index": index, "delta": delta, "finish_reason": None}]}))

    def finish(self, index: int, reason: str, ponder: p.PonderInfo | None = None) -> bytes:
        body: dict = {**self.head, "choices": [{"index": index, "delta": {}, "finish_reason": reason}]}
        if ponder is not None:
            body["ponder"] = ponder.model_dump()
        return sse(orjson.dumps(body))

    def usage(self, usage: p.Usage) -> bytes:
        """The final usage chunk `stream_options.include_usage` asks for: no choices."""
        return sse(orjson.dumps({**self.head, "choices": [], "usage": usage.model_dump(exclude_none=True)}))


def _reported_usage(answer: Answer) -> dict:
    """The usage a backend reported in its JSON answer (empty when it reported none)."""
    try:
        usage = orjson.loads(answer.body).get("usage")
    except (orjson.JSONDecodeError, AttributeError):
        return {}
    return usage if isinstance(usage, dict) else {}


def _status_of(error: BaseException) -> tuple[int, str]:
    if isinstance(error, ApiError):
        return error.status, "error"
    if isinstance(error, asyncio.CancelledError):
        return 499, "disconnected"
    return 500, "error"
