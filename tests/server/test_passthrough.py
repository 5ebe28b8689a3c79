"""Raw pass-through to an OpenAI-compatible backend (a scripted one on loopback, so the bytes are known):
tool definitions and tool calls survive, streamed intact; a dead or slow backend is a 502 or 504."""

import json
import time

import httpx
import openai
import pytest

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}}}]
ASK = [{"role": "user", "content": "Look up the answer."}]


def events(text: str) -> list:
    """The SSE events of a body, without the per-response `created` stamp."""
    out = []
    for block in text.strip().split("\n\n"):
        data = block.removeprefix("data: ")
        if data == "[DONE]":
            out.append(data)
            continue
        event = json.loads(data)
        event.pop("created", None)
        event.pop("model", None)
        out.append(event)
    return out


def test_tool_calls_pass_through(proxy):
    client = openai.OpenAI(base_url=proxy.base_url, api_key="unused", max_retries=0)
    response = client.chat.completions.create(model="scripted", messages=ASK, tools=TOOLS, tool_choice="auto")
    call = response.choices[0].message.tool_calls[0]
    assert response.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "lookup" and json.loads(call.function.arguments) == {"query": "42"}
    follow_up = ASK + [response.choices[0].message.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": "42"}]
    assert client.chat.completions.create(model="scripted", messages=follow_up).choices[0].message.content


def test_streamed_tool_calls_arrive_intact(proxy, scripted_backend):
    client = openai.OpenAI(base_url=proxy.base_url, api_key="unused", max_retries=0)
    stream = client.chat.completions.create(model="scripted", messages=ASK, tools=TOOLS, stream=True, stream_options={"include_usage": True})
    arguments, usage = "", None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                arguments += call.function.arguments or ""
    assert json.loads(arguments) == {"query": "42"} and usage.total_tokens == 18
    request = {"model": "scripted", "messages": ASK, "tools": TOOLS, "stream": True}
    through = httpx.post(f"{proxy.base_url}/chat/completions", json=request, timeout=10).text
    direct = httpx.post(f"{scripted_backend.base_url}/chat/completions", json=request, timeout=10).text
    assert events(through) == events(direct)  # chunk for chunk


def test_a_dead_backend_is_a_502_and_a_slow_one_a_504(proxy):
    client = openai.OpenAI(base_url=proxy.base_url, api_key="unused", max_retries=0)
    with pytest.raises(openai.APIStatusError) as dead:
        client.chat.completions.create(model="dead", messages=ASK)
    assert dead.value.status_code == 502 and "2 attempts" in dead.value.message
    with pytest.raises(openai.APIStatusError) as thinking_dead:
        client.chat.completions.create(model="dead", messages=ASK, reasoning_effort="low")
    assert thinking_dead.value.status_code == 502
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as slow:
        client.chat.completions.create(model="slow", messages=ASK)
    assert slow.value.status_code == 504 and time.monotonic() - started < 4  # 2 attempts of 0.5 s plus backoff


def test_thinking_over_a_backend_without_a_task_verifier_votes(proxy):
    client = openai.OpenAI(base_url=proxy.base_url, api_key="unused", max_retries=0)
    response = client.chat.completions.create(model="scripted", messages=ASK, reasoning_effort="low")
    account = response.model_extra["ponder"]
    assert account["strategy"] == "majority" and account["verifier"] == "none" and account["task"] == "chat"
    assert response.choices[0].message.content == "The answer is 42." and account["choices"][0]["answer"] == "42"
    assert response.usage.completion_tokens == 7 * account["spend"]["candidates"]  # what the backend billed


def test_tools_with_reasoning_effort_go_to_the_backend_and_local_models_refuse_tools(proxy):
    client = openai.OpenAI(base_url=proxy.base_url, api_key="unused", max_retries=0)
    response = client.chat.completions.create(model="scripted", messages=ASK, tools=TOOLS, reasoning_effort="high")
    assert response.choices[0].message.tool_calls[0].function.name == "lookup"
    with pytest.raises(openai.BadRequestError, match="does not call tools"):
        client.chat.completions.create(model="ponder-tiny", messages=ASK, tools=TOOLS)


def test_a_backend_failing_mid_stream_ends_the_stream_with_an_error_event(proxy):
    client = openai.OpenAI(base_url=proxy.base_url, api_key="unused", max_retries=0)
    with pytest.raises(openai.APIError, match="backend failed"):
        for _ in client.chat.completions.create(model="dead", messages=ASK, reasoning_effort="low", stream=True):
            pass
    raw = httpx.post(f"{proxy.base_url}/chat/completions", json={"model": "dead", "messages": ASK, "reasoning_effort": "low", "stream": True}, timeout=30)
    assert raw.status_code == 200  # the stream had started: the error travels inside it
    last = raw.text.strip().split("\n\n")[-1]
    assert json.loads(last.removeprefix("data: "))["error"]["type"] == "api_error"
