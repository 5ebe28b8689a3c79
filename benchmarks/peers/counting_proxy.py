"""A loopback proxy in front of one OpenAI-compatible backend that counts, per tag, what every system behind it
made the backend do: requests, choices, generated tokens (counted by ponder's own counter, `UsageCounter`, from the
text the backend returned — never a system's or the backend's report) and prompt tokens (as the backend reported,
once per request).

Every system is given a model name of the form `NAME~TAG`; the proxy strips `~TAG` before forwarding, so the
backend sees `NAME`, and charges the request to TAG. Peers that put their approach in the model name
(optillm's `moa-NAME~TAG`) pass the rest through unchanged. Paths other than the completion endpoints
(`/tokenize`, `/v1/models`, `/health`) are forwarded as they are and not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from dataclasses import dataclass

import httpx
import orjson
import uvicorn

from ponder.generators.usage_count import UsageCounter
from ponder.testing_backend import read_body
from ponder.types import Completion, SamplingParams

COUNTED = ("/v1/chat/completions", "/v1/completions")


@dataclass
class Tally:
    requests: int = 0
    choices: int = 0
    generated: int = 0  # counted by ponder from the returned text
    prompt: int = 0  # as the backend reported
    failed: int = 0


def split_model(model: str) -> tuple[str, str]:
    """(the model to forward, the tag to charge).

    >>> split_model("moa-qwen~17"), split_model("qwen")
    (('moa-qwen', '17'), ('qwen', ''))
    """
    name, _, tag = model.rpartition("~")
    return (name, tag) if name else (model, "")


class CountingProxy:
    def __init__(self, backend: str, model: str):
        self.backend = backend.rstrip("/").removesuffix("/v1")
        self.model = model  # what the backend is asked for, whatever name a system used
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.pending: dict[str, int] = defaultdict(int)  # requests per tag answered or in flight but not yet charged
        self.counter = UsageCounter(self.backend + "/v1")
        self.client: httpx.AsyncClient | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=httpx.Timeout(3600.0), limits=httpx.Limits(max_connections=256))
        body = await read_body(receive)
        path = scope["path"]
        request = orjson.loads(body) if path in COUNTED and scope["method"] == "POST" else None
        tag = ""
        if request is not None:
            _, tag = split_model(str(request.get("model", "")))
            request["model"] = self.model
            body = orjson.dumps(request)
            self.pending[tag] += 1
        try:
            await self._forward(scope, send, body, path, request, tag)
        finally:
            if request is not None:
                self.pending[tag] -= 1

    async def _forward(self, scope, send, body: bytes, path: str, request: dict | None, tag: str) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"host", b"content-length", b"accept-encoding")]
        url = self.backend + path + (("?" + scope["query_string"].decode()) if scope["query_string"] else "")
        upstream = await self.client.send(self.client.build_request(scope["method"], url, content=body, headers=headers), stream=True)
        try:
            await send({"type": "http.response.start", "status": upstream.status_code,
                        "headers": [(k.encode(), v.encode()) for k, v in upstream.headers.items()
                                    if k.lower() not in ("content-length", "transfer-encoding", "content-encoding", "connection")]})
            chunks = []
            async for chunk in upstream.aiter_raw():
                chunks.append(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await upstream.aclose()
        if request is not None:
            await self._charge(tag, upstream.status_code, b"".join(chunks), request)

    async def _charge(self, tag: str, status: int, answer: bytes, request: dict) -> None:
        tally = self.tallies[tag]
        tally.requests += 1
        if status != 200:
            tally.failed += 1
            return
        texts: dict[int, list[str]] = defaultdict(list)
        finish: dict[int, str] = {}
        prompt = None
        events = [line[5:].strip() for line in answer.split(b"\n") if line.startswith(b"data:")] if request.get("stream") else [answer]
        for event in events:
            if not event or event == b"[DONE]":
                continue
            data = orjson.loads(event)
            for choice in data.get("choices") or []:
                index = choice.get("index", 0)
                part = choice.get("delta") or choice.get("message") or {}
                texts[index].append((part.get("reasoning_content") or "") + (part.get("content") or "") if isinstance(part, dict)
                                    else "")
                if "text" in choice:
                    texts[index].append(choice.get("text") or "")
                if choice.get("finish_reason"):
                    finish[index] = choice["finish_reason"]
            if data.get("usage"):
                prompt = data["usage"].get("prompt_tokens")
        completions = [Completion(text="".join(texts[i]), completion_tokens=0, finish_reason=finish.get(i, "stop")) for i in sorted(texts)]
        params = SamplingParams(max_tokens=int(request.get("max_tokens") or request.get("max_completion_tokens") or 0), stop=())
        # No report passed: each choice is charged its counted tokens (plus the end token it stopped on).
        charged = await self.counter.charge(completions, None, params) if completions else []
        tally.choices += len(completions)
        tally.generated += sum(charged)
        tally.prompt += int(prompt or 0)


class _QuietServer(uvicorn.Server):
    """A server that leaves SIGINT and SIGTERM to the program running it (uvicorn's own handlers would stop only the
    proxy and leave the run waiting on it)."""

    def capture_signals(self):
        return contextlib.nullcontext()


async def serve(proxy: CountingProxy, port: int) -> uvicorn.Server:
    """Start the proxy on 127.0.0.1:port in the running loop; returns the server (set `should_exit` to stop)."""
    server = _QuietServer(uvicorn.Config(proxy, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    asyncio.ensure_future(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    return server
