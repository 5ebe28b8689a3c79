"""The OpenAI-compatible generator end to end: the official SDK against a real `ponder serve` process on
loopback serving the real embedded model, with and without `n` support."""

import asyncio

import pytest
from openai.types.chat import ChatCompletion

from ponder.budget import Limits
from ponder.engine import Plan, solve
from ponder.loading import load_generator
from ponder.generators.base import GeneratorError
from ponder.generators.openai_http import OpenAIGenerator, _completion
from ponder.tasks import get_task
from ponder.types import Message, SamplingParams

COUNTDOWN = [Message("user", "Use the numbers 2, 6, 9 and 14 to make 23.")]


def test_n_candidates_come_back_in_one_request(server):
    generator = OpenAIGenerator("ponder-tiny", server.base_url)
    generation = asyncio.run(generator.generate(COUNTDOWN, 6, SamplingParams(max_tokens=30, seed=3)))
    assert len(generation.completions) == 6 and generation.calls == 1 and generator.supports_n is True
    assert generation.prompt_tokens > 0 and generation.completion_tokens > 0


def test_backend_refusing_n_falls_back_to_single_requests(server_without_n):
    generator = OpenAIGenerator("ponder-tiny", server_without_n.base_url)
    generation = asyncio.run(generator.generate(COUNTDOWN, 4, SamplingParams(max_tokens=30, seed=3)))
    assert len(generation.completions) == 4 and generation.calls == 4  # the refused request cost nothing; 4 singles did
    assert generator.supports_n is False and generator.calls_for(4) == 4
    again = asyncio.run(generator.generate(COUNTDOWN, 3, SamplingParams(max_tokens=30)))
    assert again.calls == 3  # it remembers


def test_token_counts_match_what_the_server_billed(server, embedded):
    generator = OpenAIGenerator("ponder-tiny", server.base_url)
    params = SamplingParams(max_tokens=30, seed=5)
    remote = asyncio.run(generator.generate(COUNTDOWN, 5, params))
    local = asyncio.run(embedded.generate(COUNTDOWN, 5, params))
    assert [c.text for c in remote.completions] == [c.text for c in local.completions]
    assert remote.completion_tokens == local.completion_tokens and remote.prompt_tokens == local.prompt_tokens


def test_best_of_n_thinks_through_the_http_generator_within_budget(server):
    task = get_task("countdown")
    generator = load_generator(f"openai:ponder-tiny@{server.base_url}")
    plan = Plan(strategy="best_of_n", limits=Limits(max_candidates=32, max_calls=3), params=SamplingParams(max_tokens=30))
    problem = task.generate(1, seed=4)[0]
    result = asyncio.run(solve(problem, task, generator, plan))
    assert result.usage.calls <= 3 and result.usage.candidates <= 32
    assert result.answer is not None


def test_unknown_model_and_dead_servers_are_clear_errors(server):
    with pytest.raises(GeneratorError, match="404"):
        asyncio.run(OpenAIGenerator("nope", server.base_url, max_retries=0).generate(COUNTDOWN, 1, SamplingParams()))
    dead = OpenAIGenerator("ponder-tiny", "http://127.0.0.1:9/v1", max_retries=0, timeout=2)
    with pytest.raises(GeneratorError, match="cannot connect"):
        asyncio.run(dead.generate(COUNTDOWN, 1, SamplingParams()))


def test_reasoning_fields_are_read_from_the_response():
    response = ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "42", "reasoning_content": "6*7"}},
                {"index": 1, "finish_reason": "stop", "message": {"role": "assistant", "content": "41", "reasoning": "guess"}},
            ],
        }
    )
    assert [_completion(c).reasoning for c in response.choices] == ["6*7", "guess"]


def test_requests_leave_top_p_to_the_backend_unless_it_is_set():
    from ponder.generators.openai_http import request_fields

    assert "top_p" not in request_fields("m", 4, SamplingParams(temperature=0.8))
    assert request_fields("m", 4, SamplingParams(top_p=0.9, seed=3), seed_offset=2) == {
        "model": "m", "max_tokens": 128, "temperature": 1.0, "top_p": 0.9, "n": 4, "seed": 5}
    assert SamplingParams().nucleus == 1.0 and SamplingParams(top_p=0.5).nucleus == 0.5  # where ponder decodes itself
