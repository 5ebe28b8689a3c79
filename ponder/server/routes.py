"""HTTP routes: parse, call the chat service, format. No logic lives here."""

from __future__ import annotations

import asyncio
import uuid
from typing import Awaitable, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST

from ponder.server.errors import ApiError
from ponder.server.metrics import Metrics
from ponder.server.protocol import ChatRequest, ChatResponse, ErrorResponse, ModelCard, ModelList
from ponder.server.proxy import Answer
from ponder.server.service import ChatService
from ponder.server.streaming import Stream

T = TypeVar("T")
CLIENT_CLOSED = 499  # nginx's status for a client that went away before the answer
ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 404, 413, 429, 500, 502, 503, 504)}
# With "stream": true the 200 answer is server-sent events: each `data` a chat.completion.chunk (or an
# error object) in JSON, the last one `[DONE]`.
SSE_EVENT = {"type": "object", "properties": {"data": {"type": "string"}, "event": {"type": "string"}}, "required": ["data"]}
SSE = {200: {"content": {"text/event-stream": {"schema": SSE_EVENT}}}}


class SSEResponse(StreamingResponse):
    """A server-sent-events body whose `on_close` runs however it ends, even if never started."""

    def __init__(self, stream: Stream, headers: dict[str, str]):
        super().__init__(stream.chunks, media_type="text/event-stream", headers={"cache-control": "no-cache", **headers})
        self.on_close = stream.close

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.body_iterator.aclose()  # type: ignore[attr-defined]  # cancels thinking left running
            self.on_close()


class ClientGone(Exception):
    """The client disconnected before its answer was ready."""


async def until_disconnected(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result, or ClientGone (with `work` cancelled) if the client disconnects first."""

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    task, watcher = asyncio.ensure_future(work), asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
    if task.cancelled() or not task.done():
        await asyncio.gather(task, return_exceptions=True)
        raise ClientGone()
    return task.result()


def add_routes(app: FastAPI, service: ChatService, metrics: Metrics) -> None:
    """The routes; authentication (`auth.RequireKey`) and the body limit wrap them as middleware."""

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", response_class=Response,
             responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}, 401: {"model": ErrorResponse}})
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/models", response_model=ModelList, responses={401: {"model": ErrorResponse}})
    async def models() -> ModelList:
        return ModelList(data=[ModelCard(id=name) for name in service.models])

    @app.post("/v1/chat/completions", response_model=ChatResponse, responses={**ERRORS, **SSE})
    async def chat(body: ChatRequest, request: Request) -> Response:
        request_id = f"chatcmpl-{uuid.uuid4().hex}"
        headers = {"x-request-id": request_id}
        try:  # strict JSON: the lenient parser that validated `body` lets NaN, Infinity and lone surrogates through
            payload = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise ApiError(400, "the request body is not valid JSON (NaN, Infinity and unpaired surrogates are not JSON)",
                           code="invalid_json") from None
        try:
            reply = await until_disconnected(request, service.chat(body, payload, request_id))
        except ClientGone:
            return Response(status_code=CLIENT_CLOSED)
        if isinstance(reply, Stream):
            return SSEResponse(reply, headers)
        if isinstance(reply, Answer):
            return Response(reply.body, status_code=reply.status, media_type=reply.content_type, headers=headers)
        return Response(orjson.dumps(reply.model_dump()), media_type="application/json", headers=headers)
