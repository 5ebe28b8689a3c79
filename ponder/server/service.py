"""The chat service: what a chat completion request does, independent of HTTP.

A request is admitted against the concurrency limit (`ledger`), routed (`routing`), and answered one
of three ways: thinking (it set `reasoning_effort` or `ponder`: `jobs` plans and runs the solves,
`reasoned` replies with their reasoning, usage and a `ponder` account); raw pass-through to an
OpenAI-compatible backend (`proxy`: bytes in, bytes out, tools and streams intact); or raw generation by
the served model (`raw`). Streams are SSE bodies (`streaming`). Every request is metered and logged as
one JSON line when it ends, however it ends."""

from __future__ import annotations

import random
from dataclasses import replace
from types import MappingProxyType
from typing import Mapping

import orjson

from ponder.offload import off_loop
from ponder.server import protocol as p
from ponder.server import raw, reasoned
from ponder.server.admission import Admission, LocalAdmission
from ponder.server.config import ServerConfig
from ponder.server.errors import ApiError
from ponder.server.ledger import RETRY_AFTER_SECONDS, Ledger, Record, status_of
from ponder.server.metrics import Metrics
from ponder.server.models import ServedModel
from ponder.server.proxy import Answer
from ponder.server.routing import mode_of
from ponder.server.streaming import Stream, stream
from ponder.server.jobs import Job, resolve
from ponder.strategies.registry import get_spec

RESOLVE_SECONDS = 5.0  # recognising a request's problem; linear in its text, so only an overloaded server passes it

Reply = p.ChatResponse | Answer | Stream


class ChatService:
    def __init__(self, models: Mapping[str, ServedModel], config: ServerConfig, metrics: Metrics, rng: random.Random,
                 admission: Admission | None = None):
        self.models = models
        self.config = config
        self.metrics = metrics
        self.rng = rng  # seeds requests that bring none
        self.admission = admission if admission is not None else LocalAdmission(config.max_concurrency)
        self.ledger = Ledger(self.admission, metrics, config.max_concurrency, models)

    def model(self, name: str) -> ServedModel:
        served = self.models.get(name)
        if served is None:
            raise ApiError(404, f"model {name!r} not found; available: {', '.join(self.models)}", "model", "model_not_found")
        return served

    async def chat(self, request: p.ChatRequest, payload: dict, request_id: str) -> Reply:
        """Answer a chat request (`payload` is its JSON as sent, for pass-through). Raises ApiError
        for anything answered with an error status. A returned Stream finishes the request's
        bookkeeping when it is closed."""
        record = Record(request_id, request.model, "thinking" if request.thinking else "raw", request.stream, effort=request.reasoning_effort)
        self.ledger.admit(record)
        try:
            served = self.model(request.model)
            mode = record.mode = mode_of(request, served)
            trace_dir = self.config.trace_dir
            if mode == "thinking":
                job = self._judged(await self._resolve(request, request_id))
                record.strategy = job.plan.strategy
                reply: Reply = (
                    stream(reasoned.chunks(job, served, request, record, trace_dir), record, self.ledger.finish)
                    if request.stream
                    else await reasoned.response(job, served, request, record, trace_dir)
                )
            elif mode == "proxy":
                reply = await self._proxy(served, payload, record)
            elif request.stream:
                reply = stream(raw.chunks(served, request, self.config, record), record, self.ledger.finish)
            else:
                reply = await raw.response(served, request, self.config, record)
        except BaseException as error:
            record.status, record.outcome = status_of(error)
            self.ledger.finish(record)
            raise
        if not isinstance(reply, Stream):
            if isinstance(reply, Answer):
                record.status = reply.status
            self.ledger.finish(record)
        return reply

    def _judged(self, job: Job) -> Job:
        """The job with the configured judge's generator, when its strategy asks a judge and the judge is another
        served model (otherwise the request's own model judges)."""
        if "judge" not in get_spec(job.plan.strategy).options or self.config.judge in (None, "self"):
            return job
        judge = self.model(self.config.judge).generator
        return replace(job, plan=replace(job.plan, options=MappingProxyType({**job.plan.options, "judge": judge})))

    async def _resolve(self, request: p.ChatRequest, request_id: str) -> Job:
        """The thinking job, worked out off the event loop: recognising the problem a long message states
        takes time, and every other client waits while the loop computes."""
        seed = request.seed if request.seed is not None else self.rng.randrange(2**31)
        try:
            return await off_loop(resolve, request, self.config, request_id, seed, seconds=RESOLVE_SECONDS)
        except TimeoutError:
            raise ApiError(503, f"the request could not be read within {RESOLVE_SECONDS:g} s; retry shortly", code="overloaded",
                           headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from None

    async def _proxy(self, served: ServedModel, payload: dict, record: Record) -> Answer | Stream:
        assert served.proxy is not None
        if not record.stream:
            answer = await served.proxy.complete(payload)
            record.usage = _reported_usage(answer)
            return answer
        error, chunks = await served.proxy.stream(payload)
        if error is not None:
            return error
        return stream(chunks, record, self.ledger.finish)


def _reported_usage(answer: Answer) -> dict:
    """The usage a backend reported in its JSON answer (empty when it reported none)."""
    try:
        usage = orjson.loads(answer.body).get("usage")
    except (orjson.JSONDecodeError, AttributeError):
        return {}
    return usage if isinstance(usage, dict) else {}
