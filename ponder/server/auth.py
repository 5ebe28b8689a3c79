"""Bearer-key authentication for every path but `/health`, checked before anything else reads the request.

A pure ASGI middleware, outermost: a request without a key the server accepts gets OpenAI's 401 before
its body is read or parsed (a malformed body must not tell an unauthenticated client anything), and
`/metrics` (model names, request and token counts) and the API docs are behind the key like the API."""

from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable

from ponder.server.errors import ApiError, send_error

OPEN_PATHS = frozenset({"/health"})  # load balancers probe it without credentials
UNAUTHORIZED = ApiError(401, "invalid API key: send 'Authorization: Bearer <key>' with a key this server accepts", code="invalid_api_key",
                        headers={"WWW-Authenticate": "Bearer"})


class RequireKey:
    def __init__(self, app: Callable[..., Awaitable[None]], keys: frozenset[str]):
        if any(not key for key in keys):
            raise ValueError("an API key must not be empty")
        self.app = app
        self.keys = [key.encode() for key in keys]

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self.accepts(scope["headers"]):
            await self.app(scope, receive, send)
            return
        await send_error(send, UNAUTHORIZED)

    def accepts(self, headers: list[tuple[bytes, bytes]]) -> bool:
        value = next((v for name, v in headers if name == b"authorization"), b"")
        scheme, _, token = value.partition(b" ")
        token = token.strip()
        # Every key is compared (in constant time each), so timing tells nothing of which one nearly matched.
        matches = [hmac.compare_digest(token, key) for key in self.keys]
        return scheme.lower() == b"bearer" and bool(token) and any(matches)
