"""Raw pass-through to an OpenAI-compatible backend: the request goes out with the backend's model name
and everything else untouched (tools, tool_choice, response_format, ...); the answer comes back byte for
byte, streams chunk by chunk as they arrive. Connection failures, timeouts and 502/503/504 answers are
retried with exponential backoff; after the last retry they become 502 or 504."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import AsyncIterator

import httpx
import orjson

from ponder.server.errors import ApiError

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({502, 503, 504})
FIRST_BACKOFF = 0.25  # seconds before the first retry; doubles each time


@dataclass(frozen=True)
class Answer:
    """A backend's non-streaming answer, as it sent it."""

    status: int
    body: bytes
    content_type: str


class Proxy:
    def __init__(self, base_url: str, model: str, *, api_key: str | None, timeout: float, retries: int):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.retries = retries
        self._headers = {"content-type": "application/json"}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:  # created inside the server's event loop
            self._client = httpx.AsyncClient(
                timeout=self._timeout, limits=httpx.Limits(max_connections=1024, max_keepalive_connections=512)
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _body(self, request: dict) -> bytes:
        return orjson.dumps({**request, "model": self.model})

    async def _retrying(self, send):
        """`send()` until it succeeds or the retries run out; maps the last failure to an ApiError."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = await send()
            except httpx.TimeoutException:
                if last:
                    raise ApiError(504, f"backend {self.url} timed out after {self.retries + 1} attempts") from None
            except httpx.TransportError as error:
                if last:
                    raise ApiError(502, f"backend {self.url} failed after {self.retries + 1} attempts: {error!r}") from None
            else:
                if response.status_code not in RETRY_STATUSES or last:
                    return response
                await response.aclose()
            await asyncio.sleep(FIRST_BACKOFF * 2**attempt)
        raise AssertionError("unreachable")

    async def complete(self, request: dict) -> Answer:
        body = self._body(request)
        response = await self._retrying(lambda: self.client.post(self.url, content=body, headers=self._headers))
        return Answer(response.status_code, response.content, response.headers.get("content-type", "application/json"))

    async def stream(self, request: dict) -> tuple[Answer | None, AsyncIterator[bytes]]:
        """(None, the backend's SSE bytes) once it answers 200; (its error answer, empty) otherwise."""
        body = self._body(request)

        async def send() -> httpx.Response:
            outgoing = self.client.build_request("POST", self.url, content=body, headers=self._headers)
            return await self.client.send(outgoing, stream=True)

        response = await self._retrying(send)
        if response.status_code != 200:
            content = await response.aread()
            await response.aclose()
            return Answer(response.status_code, content, response.headers.get("content-type", "application/json")), _empty()

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_raw():
                    yield chunk
            finally:
                await response.aclose()  # on disconnect too: closes the backend connection

        return None, chunks()


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""
