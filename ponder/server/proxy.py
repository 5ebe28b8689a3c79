"""Raw pass-through to an OpenAI-compatible backend: the request goes out with the backend's model name
and everything else untouched (tools, tool_choice, response_format, ...); the answer comes back byte for
byte, streams chunk by chunk as they arrive. Connection failures, timeouts and 502/503/504 answers are
retried with exponential backoff; after the last retry they become 502 or 504."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import AsyncIterator

import aiohttp
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
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:  # created inside the server's event loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1024, keepalive_timeout=60),
                # Per read, not in total: a stream may run long as long as it keeps moving.
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=min(self._timeout, 10.0), sock_read=self._timeout),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _body(self, request: dict) -> bytes:
        return orjson.dumps({**request, "model": self.model})

    async def _send(self, body: bytes) -> aiohttp.ClientResponse:
        """The backend's response (headers read), retried with backoff; failures become ApiErrors."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = await self.session.post(self.url, data=body, headers=self._headers)
            except asyncio.TimeoutError:
                if last:
                    raise ApiError(504, f"backend {self.url} timed out after {self.retries + 1} attempts") from None
            except aiohttp.ClientError as error:
                if last:
                    raise ApiError(502, f"backend {self.url} failed after {self.retries + 1} attempts: {error}") from None
            else:
                if response.status not in RETRY_STATUSES or last:
                    return response
                response.release()
            await asyncio.sleep(FIRST_BACKOFF * 2**attempt)
        raise AssertionError("unreachable")

    async def complete(self, request: dict) -> Answer:
        response = await self._send(self._body(request))
        try:
            body = await asyncio.wait_for(response.read(), self._timeout)
        except (asyncio.TimeoutError, aiohttp.ClientError) as error:
            raise ApiError(504 if isinstance(error, asyncio.TimeoutError) else 502, f"backend {self.url} broke off its answer: {error!r}") from None
        finally:
            response.release()
        return Answer(response.status, body, response.headers.get("content-type", "application/json"))

    async def stream(self, request: dict) -> tuple[Answer | None, AsyncIterator[bytes]]:
        """(None, the backend's SSE bytes) once it answers 200; (its error answer, empty) otherwise."""
        response = await self._send(self._body(request))
        if response.status != 200:
            content = await response.read()
            response.release()
            return Answer(response.status, content, response.headers.get("content-type", "application/json")), _empty()

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.content.iter_any():
                    yield chunk
            except (asyncio.TimeoutError, aiohttp.ClientError) as error:
                raise ApiError(504 if isinstance(error, asyncio.TimeoutError) else 502, f"backend {self.url} broke off its stream: {error!r}") from None
            finally:
                response.close()  # on disconnect too: drops the backend connection, which stops its work

        return None, chunks()


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""
