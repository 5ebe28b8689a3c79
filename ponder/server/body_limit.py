"""Refuse request bodies over the configured size with an OpenAI-style 413, before they are read.

A pure ASGI middleware: a declared Content-Length over the limit is answered at once; a chunked body is
read up to the limit and then handed on (or refused as soon as it passes the limit)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ponder.server.errors import ApiError, send_error

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyLimit:
    def __init__(self, app: Callable[..., Awaitable[None]], max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if length is not None:
            if length.isdigit() and (len(length) > 18 or int(length) > self.max_bytes):
                await self.refuse(send)
                return
            await self.app(scope, receive, send)
            return
        chunks, size = [], 0
        while True:  # no declared length: read the body here, up to the limit
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self.refuse(send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive), send)

    async def refuse(self, send: Send) -> None:
        error = ApiError(413, f"the request body is larger than this server's limit of {self.max_bytes:,} bytes "
                              "(max_request_bytes)", code="request_too_large")
        await send_error(send, error, close=True)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that first gives back what was already read, then listens to the client again."""

    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()

    return replayed
