"""ponder against a real llama.cpp server serving the real Gemma 3 270M base model, on loopback."""

import asyncio
import json
import time

import httpx
import openai
import pytest

from ponder.generators.few_shot import FewShotGenerator, load_few_shot
from ponder.generators.openai_http import OpenAIGenerator
from ponder.types import Message, SamplingParams
from processes import ROOT, Server, run_cli

FEW_SHOT = str(ROOT / "examples" / "few_shot" / "addition.txt")

QUESTION = [Message("user", "What is 38 + 27?")]


def generate(generator, n, params):
    return asyncio.run(generator.generate(QUESTION, n, params))


def test_n_candidates_are_charged_at_least_the_tokens_each_contains(llama):
    """llama.cpp answers n > 1 with n choices but reports one choice's completion tokens; ponder charges
    what each choice contains, re-tokenized by the engine itself."""
    generator = FewShotGenerator(OpenAIGenerator("gemma", llama.base_url), load_few_shot(FEW_SHOT))
    params = SamplingParams(temperature=1.0, max_tokens=24, seed=3)
    generation = generate(generator, 8, params)
    assert len(generation.completions) == 8 and generation.calls == 1  # n was honoured in one request
    contained = [llama.tokens(c.text) for c in generation.completions]
    assert all(c.completion_tokens >= tokens for c, tokens in zip(generation.completions, contained))
    prompt = load_few_shot(FEW_SHOT).replace("{prompt}", QUESTION[0].content)
    raw = httpx.post(llama.base_url + "/completions", json={"prompt": prompt, "n": 8, "max_tokens": 24, "seed": 3}, timeout=120).json()
    assert raw["usage"]["completion_tokens"] < sum(llama.tokens(choice["text"]) for choice in raw["choices"])  # the engine's own usage is wrong


def test_stop_sequences_end_every_candidate(llama):
    generator = FewShotGenerator(OpenAIGenerator("gemma", llama.base_url), load_few_shot(FEW_SHOT))
    greedy = generate(generator, 2, SamplingParams(temperature=0, max_tokens=64, stop=("\n",)))
    assert all("\n" not in c.text and c.finish_reason == "stop" and c.completion_tokens < 64 for c in greedy.completions)
    sampled = generate(generator, 4, SamplingParams(temperature=1.0, max_tokens=64, stop=("\n",), seed=1))
    assert all("\n" not in c.text for c in sampled.completions)  # a sampled base-model answer may ramble to the limit
    assert all(c.finish_reason == "stop" or c.completion_tokens >= 64 for c in sampled.completions)
    assert any(c.finish_reason == "stop" for c in sampled.completions)


@pytest.mark.parametrize("strategy", ["best_of_n", "majority"])
def test_solve_runs_through_llama_cpp_within_its_token_budget(llama, strategy):
    result = run_cli("solve", "--task", "addition", "--count", "3", "--model", f"openai:gemma@{llama.base_url}", "--few-shot", FEW_SHOT,
                     "--stop", "\\n", "--strategy", strategy, "--max-candidates", "8", "--max-tokens", "60", "--seed", "0", "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    for record in records:
        assert record["strategy"] == strategy and record["answer"] is not None
        assert 1 <= record["candidates"] <= 8 and record["usage"]["completion_tokens"] <= 60


@pytest.fixture(scope="module")
def served(llama):
    server = Server("--backend", f"gemma=openai:gemma@{llama.base_url}", "--no-embedded")
    yield server
    server.stop()


def test_serve_passes_requests_through_to_llama_cpp_and_streams(served, llama):
    client = openai.OpenAI(base_url=served.base_url, api_key="unused", max_retries=0)
    response = client.chat.completions.create(model="gemma", messages=[{"role": "user", "content": "Hello"}], max_tokens=8, seed=1)
    assert response.choices[0].message.content and response.usage.completion_tokens >= 1
    pieces = [chunk.choices[0].delta.content or "" for chunk in client.chat.completions.create(
        model="gemma", messages=[{"role": "user", "content": "Count to five."}], max_tokens=16, stream=True) if chunk.choices]
    assert len(pieces) >= 2 and "".join(pieces)


def test_serve_thinks_over_llama_cpp_within_the_requests_budget(served, llama):
    """reasoning_effort runs a strategy over llama.cpp; the request's max_tokens caps all its candidates
    together, and the usage reported covers at least the answer returned."""
    client = openai.OpenAI(base_url=served.base_url, api_key="unused", max_retries=0)
    response = client.chat.completions.create(model="gemma", messages=[{"role": "user", "content": "What is 38 + 27?"}],
                                              reasoning_effort="low", max_tokens=40, seed=2)
    account = response.model_extra["ponder"]
    assert account["effort"] == "low" and account["spend"]["candidates"] >= 1 and account["spend"]["calls"] >= 1
    assert llama.tokens(response.choices[0].message.content or "") <= response.usage.completion_tokens <= 40


def test_a_client_that_hangs_up_stops_llama_cpp_generating(served, llama):
    """Closing a streamed pass-through request closes the backend connection; llama.cpp then frees its slot
    within seconds, long before the ~1,000 tokens its context allows would have been written."""
    with httpx.stream("POST", served.base_url + "/chat/completions", timeout=60, json={
        "model": "gemma", "messages": [{"role": "user", "content": "Write a long story."}], "max_tokens": 4000,
        "stream": True, "ignore_eos": True, "seed": 0, "temperature": 1.0}) as response:  # seeded: a base model may end at once
        pieces, lines = 0, response.iter_lines()
        while pieces < 8:
            line = next(lines)
            pieces += line.startswith("data: {") and '"content":"' in line
        assert until(lambda: llama.busy_slots() == 1, seconds=5)  # still generating (leaving the loop would hang up)
    hung_up = time.monotonic()
    assert until(lambda: llama.busy_slots() == 0, seconds=10)
    assert time.monotonic() - hung_up < 3


def until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
