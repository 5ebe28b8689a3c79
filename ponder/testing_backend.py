"""A scripted OpenAI-compatible backend: a bare ASGI app that answers every chat completion with one
fixed reply — a tool call when the request offers tools — streamed in several chunks when asked.

`POST /tokenize` answers as llama.cpp's does (`{"tokens": [...]}`), one token per word, digit and
punctuation mark, never more than the usage it reports. A model named `slow-SECONDS` answers after that many seconds (for timeout tests); `stall-once-SECONDS`
does so only the first time it sees a conversation (a backend that stalls on some requests); a model named
`say-TEXT` replies TEXT instead (a fixed-policy game player, say `say-MOVE: Bet`); `cycle-A|||B|||C` replies A, B, C, A, ...
in turn over choices and requests (`\\n` in them is a newline: candidates that differ, for best-of-N). It is not a model. It is the known, fast peer that pass-through tests compare bytes against and that
the overhead benchmark calls directly, so ponder's own cost can be measured apart from any model's.
Run it with `python -m ponder.testing_backend --port N` (loopback only).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time

import orjson

REPLY = "The answer is 42."


_turns: dict[str, int] = {}  # replies given so far per `cycle-` model (one count per server process)


def reply_for(request: dict) -> str:
    model = str(request.get("model") or "")
    if model.startswith("cycle-"):
        replies = model[len("cycle-"):].replace("\\n", "\n").split("|||")
        turn = _turns.get(model, 0)
        _turns[model] = turn + 1
        return replies[turn % len(replies)]
    return model[len("say-"):] if model.startswith("say-") else REPLY
TOOL_CALL = {"index": 0, "id": "call_0", "type": "function", "function": {"name": "lookup", "arguments": '{"query": "42"}'}}
NOT_OPENAI = ("continue_final_message", "add_generation_prompt", "include_stop_str_in_output")  # vLLM's extensions
USAGE = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
TOKEN = re.compile(r"[^\W\d_]+|\d|[^\w\s]|_")


def tokenize(text: str) -> list[int]:
    """Token ids of `text`, one per word, digit and punctuation mark.

    >>> len(tokenize("The answer is 42."))
    6
    """
    return [hash(piece) % 50_000 for piece in TOKEN.findall(text)]


def completion(request: dict) -> dict:
    if request.get("tools"):
        call = {k: v for k, v in TOOL_CALL.items() if k != "index"}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        finish = "tool_calls"
    else:
        message, finish = None, "stop"
    n = int(request.get("n") or 1)
    return {
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()), "model": request.get("model"),
        "choices": [{"index": i, "message": message or {"role": "assistant", "content": reply_for(request)}, "finish_reason": finish}
                    for i in range(n)],
        "usage": {**USAGE, "completion_tokens": USAGE["completion_tokens"] * n, "total_tokens": USAGE["prompt_tokens"] + USAGE["completion_tokens"] * n},
    }


def chunks(request: dict) -> list[bytes]:
    head = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": int(time.time()), "model": request.get("model")}
    if request.get("tools"):
        arguments = TOOL_CALL["function"]["arguments"]
        deltas = [{"role": "assistant", "tool_calls": [{**TOOL_CALL, "function": {"name": "lookup", "arguments": ""}}]}]
        deltas += [{"tool_calls": [{"index": 0, "function": {"arguments": arguments[i : i + 5]}}]} for i in range(0, len(arguments), 5)]
        finish = "tool_calls"
    else:
        deltas = [{"role": "assistant", "content": ""}] + [{"content": word + " "} for word in reply_for(request).split()]
        finish = "stop"
    events = [{**head, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if (request.get("stream_options") or {}).get("include_usage"):
        events.append({**head, "choices": [], "usage": USAGE})
    return [b"data: " + orjson.dumps(e) + b"\n\n" for e in events] + [b"data: [DONE]\n\n"]


class Stalls:
    """The conversations a `stall-once-` model has stalled on (one set per server process)."""

    def __init__(self) -> None:
        self.seen: set[bytes] = set()

    def first_time(self, request: dict) -> bool:
        key = orjson.dumps(request.get("messages"), option=orjson.OPT_SORT_KEYS) + orjson.dumps(request.get("seed"))
        new = key not in self.seen
        self.seen.add(key)
        return new


_stalls = Stalls()


async def read_body(receive) -> bytes:
    """An ASGI request's whole body."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = await read_body(receive)
    if scope["path"] == "/health":
        await _send(send, 200, b'{"status":"ok"}', b"application/json")
        return
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        await _send(send, 400, b'{"error":{"message":"invalid JSON","type":"invalid_request_error","param":null,"code":null}}', b"application/json")
        return
    if scope["path"] == "/tokenize":
        text = request.get("content", request.get("prompt", "")) if isinstance(request, dict) else ""
        await _send(send, 200, orjson.dumps({"tokens": tokenize(str(text))}), b"application/json")
        return
    unknown = next((field for field in NOT_OPENAI if field in request), None)
    if unknown is not None:  # api.openai.com refuses arguments it does not know, as here
        message = orjson.dumps({"error": {"message": f"Unrecognized request argument supplied: {unknown}",
                                          "type": "invalid_request_error", "param": None, "code": None}})
        await _send(send, 400, message, b"application/json")
        return
    model = str(request.get("model", ""))
    if model.startswith("slow-"):
        await asyncio.sleep(float(model.removeprefix("slow-")))
    if model.startswith("stall-once-") and _stalls.first_time(request):
        await asyncio.sleep(float(model.removeprefix("stall-once-")))
    if not request.get("stream"):
        await _send(send, 200, orjson.dumps(completion(request)), b"application/json")
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
    for chunk in chunks(request):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _send(send, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", backlog=4096)


if __name__ == "__main__":
    main()
