"""Server-sent events: a body of `chat.completion.chunk` events (the protocol's `ChatChunk`) that ends
with [DONE], or with an error event when answering fails after the status line was sent."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from ponder.server import protocol as p
from ponder.server.errors import ApiError
from ponder.server.ledger import Record

log = logging.getLogger("ponder.server.requests")
DONE = b"data: [DONE]\n\n"


def sse(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


@dataclass
class Stream:
    """An SSE body and what to do when it ends (normally, on error or on disconnect)."""

    chunks: AsyncIterator[bytes]
    close: Callable[[], None]


class Chunker:
    """The chunk events of one response: deltas, a choice's finish (with the ponder account on the
    last), and the usage chunk `stream_options.include_usage` asks for."""

    def __init__(self, response_id: str, model: str):
        self.head = {"id": response_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def _event(self, choices: list[p.ChunkChoice], **extra) -> bytes:
        chunk = p.ChatChunk(**self.head, choices=choices, **extra)
        return sse(chunk.model_dump_json(exclude_unset=True).encode())

    def delta(self, index: int, **delta: str) -> bytes:
        return self._event([p.ChunkChoice(index=index, delta=p.ChunkDelta(**delta), finish_reason=None)])

    def finish(self, index: int, reason: str, ponder: p.PonderInfo | None = None) -> bytes:
        extra = {} if ponder is None else {"ponder": ponder}
        return self._event([p.ChunkChoice(index=index, delta=p.ChunkDelta(), finish_reason=reason)], **extra)

    def usage(self, usage: p.Usage) -> bytes:
        return sse(p.ChatChunk(**self.head, choices=[], usage=usage).model_dump_json(exclude_none=True).encode())


def stream(chunks: AsyncIterator[bytes], record: Record, finish: Callable[[Record], None]) -> Stream:
    """SSE chunks that end with [DONE], or with an error event when answering fails midway; `finish`
    closes the request's books once, however the body ends."""
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
            finish(record)

    return Stream(body(), close)
