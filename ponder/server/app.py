"""A minimal OpenAI-compatible server for raw (non-thinking) models: routes parse and format, the
generator does the work. The thinking server grows from here."""

from __future__ import annotations

import time
import uuid
from typing import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ponder.generators.base import Generator, GeneratorError
from ponder.server.protocol import (
    ChatRequest,
    ChatResponse,
    Choice,
    ErrorBody,
    ErrorResponse,
    ModelCard,
    ModelList,
    ResponseMessage,
    Usage,
)
from ponder.types import Message, SamplingParams

DEFAULT_MAX_TOKENS = 256


def error_response(status: int, message: str, type_: str, param: str | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(message=message, type=type_, param=param))
    return JSONResponse(body.model_dump(), status_code=status)


def create_app(generators: Mapping[str, Generator], *, support_n: bool = True) -> FastAPI:
    """An app serving each generator under its name. `support_n=False` makes it refuse n > 1, as
    some backends do."""
    app = FastAPI(title="ponder", version="0.1.0")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        location = [str(part) for part in first.get("loc", ()) if part != "body"]
        return error_response(400, f"{'.'.join(location) or 'body'}: {first.get('msg', 'invalid request')}", "invalid_request_error", ".".join(location) or None)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models", response_model=ModelList)
    async def models() -> ModelList:
        return ModelList(data=[ModelCard(id=name) for name in generators])

    @app.post("/v1/chat/completions", response_model=ChatResponse, responses={400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}, 502: {"model": ErrorResponse}})
    async def chat(request: ChatRequest):
        generator = generators.get(request.model)
        if generator is None:
            return error_response(404, f"model {request.model!r} not found; available: {', '.join(generators)}", "not_found_error", "model")
        if request.n > 1 and not support_n:
            return error_response(400, "n > 1 is not supported by this server", "invalid_request_error", "n")
        params = SamplingParams(
            temperature=request.temperature,
            top_p=request.top_p,
            max_tokens=request.max_completion_tokens or request.max_tokens or DEFAULT_MAX_TOKENS,
            seed=request.seed,
        )
        messages = [Message(m.role if m.role != "developer" else "system", m.content or "") for m in request.messages]
        try:
            generation = await generator.generate(messages, request.n, params)
        except GeneratorError as error:
            return error_response(502, str(error), "api_error")
        choices = [
            Choice(
                index=i,
                message=ResponseMessage(content=c.text, reasoning=c.reasoning),
                finish_reason="stop" if c.finish_reason == "stop" else "length",
            )
            for i, c in enumerate(generation.completions)
        ]
        return ChatResponse(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            model=request.model,
            choices=choices,
            usage=Usage(
                prompt_tokens=generation.prompt_tokens,
                completion_tokens=generation.completion_tokens,
                total_tokens=generation.prompt_tokens + generation.completion_tokens,
            ),
        )

    return app
