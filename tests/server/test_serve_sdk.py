"""`ponder serve` through the official openai SDK (sync and async), against a real server process on
loopback serving the real embedded model."""

import asyncio
import json
import threading

import httpx
import openai
import pytest

from ponder.tasks import get_task
from processes import Server
from processes import COUNTDOWN, UNSOLVABLE


def test_a_plain_request_answers_directly_with_honest_usage(client):
    response = client.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], seed=1)
    assert response.object == "chat.completion" and response.choices[0].message.content
    usage = response.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert (response.model_extra or {}).get("ponder") is None  # no thinking was asked for


def test_thinking_returns_reasoning_usage_and_a_ponder_account_within_budget(client):
    response = client.chat.completions.create(
        model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], reasoning_effort="medium", seed=2
    )
    message = response.choices[0].message
    account = response.model_extra["ponder"]
    assert account["strategy"] == "best_of_n" and account["task"] == "countdown" and account["verifier"] == "countdown"
    assert account["budget"]["max_candidates"] == 8
    spend = account["spend"]
    assert 1 <= spend["candidates"] <= 8 and spend["completion_tokens"] + spend["verifier_tokens"] <= account["budget"]["max_tokens"]
    assert "candidate 0" in message.model_extra["reasoning"]
    usage = response.usage
    assert usage.completion_tokens == spend["completion_tokens"] + spend["verifier_tokens"]
    assert usage.prompt_tokens == spend["prompt_tokens"]
    chosen = account["choices"][0]["chosen"]
    assert message.content and account["choices"][0]["answer"] is not None and chosen is not None
    if spend["candidates"] > 1:
        assert 0 < usage.completion_tokens_details.reasoning_tokens < usage.completion_tokens


def test_streaming_sends_reasoning_while_thinking_then_content_usage_and_done(async_client, server):
    async def collect():
        stream = await async_client().chat.completions.create(
            model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], reasoning_effort="low",
            stream=True, stream_options={"include_usage": True}, seed=3,
        )
        return [chunk async for chunk in stream]

    chunks = asyncio.run(collect())
    kinds = []
    for chunk in chunks[:-1]:
        delta = chunk.choices[0].delta
        if (delta.model_extra or {}).get("reasoning"):
            kinds.append("reasoning")
        if delta.content:
            kinds.append("content")
        if chunk.choices[0].finish_reason:
            kinds.append("finish")
    assert kinds[0] == "reasoning" and kinds.index("content") > kinds.index("reasoning") and kinds[-1] == "finish"
    assert kinds.count("reasoning") >= 3  # headline, candidates, scores: one event at a time
    last = chunks[-1]
    assert last.choices == [] and last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert last.usage.completion_tokens_details.reasoning_tokens >= 0
    raw = httpx.post(f"{server.base_url}/chat/completions", json={
        "model": "ponder-tiny", "messages": [{"role": "user", "content": COUNTDOWN}], "reasoning_effort": "minimal", "stream": True,
    }, timeout=60)
    assert raw.headers["content-type"].startswith("text/event-stream") and raw.text.endswith("data: [DONE]\n\n")


def test_n_returns_independent_thought_through_answers(client):
    response = client.chat.completions.create(
        model="ponder-tiny", messages=[{"role": "user", "content": "What is 47 × 38?"}], reasoning_effort="low", n=3, seed=4
    )
    assert [c.index for c in response.choices] == [0, 1, 2]
    account = response.model_extra["ponder"]
    assert len(account["choices"]) == 3 and all(c["candidates"] <= 4 for c in account["choices"])
    assert response.usage.completion_tokens == sum(c["spend"]["completion_tokens"] + c["spend"]["verifier_tokens"] for c in account["choices"])


def test_higher_effort_buys_more_reasoning_tokens_and_accuracy_on_countdown(async_client):
    task = get_task("countdown")
    problems = task.generate(24, seed=11)

    async def ask(client, problem, effort, seed):
        response = await client.chat.completions.create(
            model="ponder-tiny", messages=[{"role": "user", "content": problem.prompt}], reasoning_effort=effort, seed=seed
        )
        answer = task.extract(response.choices[0].message.content or "")
        return task.grade(problem, answer), response.usage.completion_tokens_details.reasoning_tokens

    async def sweep(effort):
        client = async_client()
        return await asyncio.gather(*(ask(client, p, effort, i) for i, p in enumerate(problems)))

    low, high = asyncio.run(sweep("none")), asyncio.run(sweep("high"))
    accuracy = {effort: sum(ok for ok, _ in runs) / len(runs) for effort, runs in (("none", low), ("high", high))}
    reasoning = {effort: sum(t for _, t in runs) for effort, runs in (("none", low), ("high", high))}
    assert reasoning["none"] == 0 < reasoning["high"]
    assert accuracy["high"] >= accuracy["none"] + 0.2, accuracy


def test_an_invalid_effort_is_a_bad_request_naming_the_valid_levels(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], reasoning_effort="extreme")
    assert caught.value.body["param"] == "reasoning_effort"
    assert all(level in caught.value.message for level in ("minimal", "medium", "xhigh", "max"))


def test_bad_ponder_options_are_bad_requests(client):
    chat = [{"role": "user", "content": "Tell me a joke."}]
    with pytest.raises(openai.BadRequestError, match="majority"):  # nothing can verify a joke
        client.chat.completions.create(model="ponder-tiny", messages=chat, extra_body={"ponder": {"strategy": "best_of_n"}})
    with pytest.raises(openai.BadRequestError, match="best_of_n"):
        client.chat.completions.create(model="ponder-tiny", messages=chat, extra_body={"ponder": {"strategy": "beam_search"}})
    with pytest.raises(openai.BadRequestError, match="process verifier.*majority") as caught:
        client.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], extra_body={"ponder": {"strategy": "beam"}})
    assert caught.value.body["param"] == "ponder.strategy"
    with pytest.raises(openai.BadRequestError, match="max_candidates"):
        client.chat.completions.create(model="ponder-tiny", messages=chat, extra_body={"ponder": {"budget": {"max_candidates": 0}}})


def test_other_messages_get_a_polite_account_of_what_the_model_can_do(client):
    response = client.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": "Tell me a joke."}], reasoning_effort="low")
    assert "countdown" in response.choices[0].message.content
    assert response.model_extra["ponder"]["task"] == "chat" and response.model_extra["ponder"]["strategy"] == "majority"


def test_explicit_ponder_options_choose_strategy_and_budget(client):
    response = client.chat.completions.create(
        model="ponder-tiny", messages=[{"role": "user", "content": UNSOLVABLE}],
        extra_body={"ponder": {"strategy": "best_of_n", "budget": {"max_candidates": 5, "max_tokens": 10_000}}},
    )
    account = response.model_extra["ponder"]
    assert account["strategy"] == "best_of_n" and account["budget"]["max_candidates"] == 5
    assert account["spend"]["candidates"] == 5 and account["choices"][0]["stop_reason"] == "budget"


def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError, match="ponder-tiny"):
        client.chat.completions.create(model="gpt-99", messages=[{"role": "user", "content": COUNTDOWN}])


def test_malformed_json_and_invalid_fields_are_bad_requests(server):
    bad = httpx.post(f"{server.base_url}/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    empty = httpx.post(f"{server.base_url}/chat/completions", json={"model": "ponder-tiny", "messages": []})
    assert empty.status_code == 400 and empty.json()["error"]["param"] == "messages"


def test_models_are_listed(client):
    assert [m.id for m in client.models.list()] == ["ponder-tiny", "ponder-think"]


@pytest.fixture(scope="module")
def keyed_server():
    s = Server("--api-key", "sesame")
    yield s
    s.stop()


def test_a_bad_key_is_an_authentication_error(keyed_server):
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=keyed_server.base_url, api_key="wrong", max_retries=0).models.list()
    good = openai.OpenAI(base_url=keyed_server.base_url, api_key="sesame", max_retries=0)
    assert good.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}]).choices


@pytest.fixture(scope="module")
def narrow_server():
    s = Server("--max-concurrency", "1")
    yield s
    s.stop()


def test_overload_is_a_rate_limit_error_with_retry_after(narrow_server):
    client = openai.OpenAI(base_url=narrow_server.base_url, api_key="unused", max_retries=0)
    started, release = threading.Event(), threading.Event()

    def hold_the_only_slot():
        stream = client.chat.completions.create(
            model="ponder-tiny", messages=[{"role": "user", "content": UNSOLVABLE}], reasoning_effort="max", n=4, stream=True
        )
        for _ in stream:
            started.set()
            if release.wait(0):
                break
        stream.close()

    holder = threading.Thread(target=hold_the_only_slot)
    holder.start()
    try:
        assert started.wait(30)
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}])
        assert caught.value.response.headers["retry-after"] == "1"
    finally:
        release.set()
        holder.join(60)
    patient = openai.OpenAI(base_url=narrow_server.base_url, api_key="unused", max_retries=5)  # the SDK honours Retry-After
    assert patient.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}]).choices


def test_every_request_is_logged_as_one_json_line(server, client):
    client.chat.completions.create(model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], reasoning_effort="minimal")
    record = server.requests()[-1]
    assert record["mode"] == "thinking" and record["effort"] == "minimal" and record["status"] == 200
    assert record["usage"]["completion_tokens"] > 0 and record["latency_ms"] > 0 and record["id"].startswith("chatcmpl-")
    assert json.loads(json.dumps(record)) == record


def test_trace_files_record_each_thinking_request(tmp_path):
    s = Server("--trace-dir", str(tmp_path))
    try:
        client = openai.OpenAI(base_url=s.base_url, api_key="unused", max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], reasoning_effort="low", n=2
        )
        response = raw.parse()
        assert raw.headers["x-request-id"] == response.id
        trace = tmp_path / f"{response.id}.jsonl"
        records = [json.loads(line) for line in trace.read_text().splitlines()]
        results = [r for r in records if r["type"] == "result"]
        assert sorted(r["choice"] for r in results) == [0, 1]
        assert sum(r["usage"]["completion_tokens"] for r in results) == response.usage.completion_tokens
        assert any(r.get("kind") == "candidate" for r in records)
    finally:
        s.stop()
