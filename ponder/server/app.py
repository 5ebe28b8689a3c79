"""The ASGI app: wires config, models, metrics and the chat service to the routes, and answers every
error in OpenAI's shape. `serve` runs it under uvicorn, bound to loopback unless told otherwise."""

from __future__ import annotations

import contextlib
import json
import logging
import random
from typing import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ponder.generators.base import Generator
from ponder.server.admission import Admission
from ponder.server.auth import RequireKey
from ponder.server.body_limit import BodyLimit
from ponder.server.config import ServerConfig, resolve_config
from ponder.server.errors import ApiError
from ponder.server.metrics import Metrics
from ponder.server.models import ServedModel, build_models
from ponder.server.routes import add_routes
from ponder.server.service import ChatService

log = logging.getLogger(__name__)
requests_log = logging.getLogger("ponder.server.requests")


def _validation_message(exc: RequestValidationError) -> ApiError:
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    param = ".".join(location) or None
    if first.get("type") == "json_invalid":
        return ApiError(400, "the request body is not valid JSON", None, "invalid_json")
    message = first.get("msg", "invalid request")
    return ApiError(400, f"{param or 'body'}: {message}", param, "invalid_value")


def create_app(
    config: ServerConfig | None = None,
    *,
    embedded: Generator | None = None,
    models: Mapping[str, ServedModel] | None = None,
    seed: int | None = None,
    admission: Admission | None = None,
) -> FastAPI:
    """An app serving `config`'s models (or the given ones); `embedded` reuses a loaded embedded model;
    `admission` is the request limit (default: this process's own `config.max_concurrency`).
    Without a config it resolves one as `ponder serve` does with no flags ($PONDER_CONFIG, $PONDER_API_KEYS)."""
    config = resolve_config() if config is None else config
    metrics = Metrics()
    served = models if models is not None else build_models(config, metrics, embedded)
    service = ChatService(served, config, metrics, random.Random(seed), admission)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for model in served.values():
            if model.proxy is not None:
                await model.proxy.aclose()

    docs = config.publishes_docs
    app = FastAPI(
        title="ponder",
        version="0.1.0",
        description="An OpenAI-compatible server whose models think before they answer (`reasoning_effort`).",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.service = service
    app.state.metrics = metrics

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=dict(exc.headers))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        error = _validation_message(exc)
        requests_log.info(json.dumps({"event": "invalid", "path": request.url.path, "status": 400, "error": error.message}))
        return await api_error(request, error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return await api_error(request, ApiError(exc.status_code, str(exc.detail), headers=exc.headers or {}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s", request.url.path)
        return await api_error(request, ApiError(500, f"internal error: {type(exc).__name__}"))

    add_routes(app, service, metrics)
    app.add_middleware(BodyLimit, max_bytes=config.max_request_bytes)
    if config.api_keys:
        app.add_middleware(RequireKey, keys=config.api_keys)  # added last: outermost, before the body is read
    return app


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def log_requests_to_stderr() -> None:
    """One JSON line per request on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    requests_log.addHandler(handler)
    requests_log.setLevel(logging.INFO)
    requests_log.propagate = False


def warn_if_open(config: ServerConfig, host: str) -> None:
    if host not in LOOPBACK and not config.api_keys:
        log.warning("serving on %s without API keys: anyone who can reach it can spend its compute", host)


def settle_heap() -> None:
    """Everything loaded so far (model weights, modules) lives for the whole run: keep it out of the
    collector's scans, and collect young objects less often. On the pass-through benchmark this raised
    throughput about 1.5x and cut p99 latency at 64 concurrent requests from ~85 to ~18 ms."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def uvicorn_config(app: FastAPI, config: ServerConfig, **where: object):
    import uvicorn

    from ponder.server.header_timeout import with_header_timeout

    return uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=config.shutdown_timeout,
                          limit_concurrency=None, backlog=4096, http=with_header_timeout(config.header_timeout), **where)


def serve(config: ServerConfig, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the server until interrupted; on SIGINT/SIGTERM in-flight requests get
    `config.shutdown_timeout` seconds to finish before they are cancelled."""
    import uvicorn

    warn_if_open(config, host)
    app = create_app(config)
    settle_heap()
    uvicorn.Server(uvicorn_config(app, config, host=host, port=port)).run()
