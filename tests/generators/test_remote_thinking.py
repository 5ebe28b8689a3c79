"""Thinking budgets over an OpenAI-compatible backend, proved on two real servers with the official SDK:
A serves ponder-think raw (it continues a final assistant message and stops at markers); B serves A
under budget forcing, running the calculator client-side (`generators.remote_thinking`)."""

import asyncio
import json
import re

import openai
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ponder.generators.base import GeneratorError
from ponder.loading import load_generator
from ponder.tasks.countdown import CountdownTask
from ponder.tasks.text import problem_from_text
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.types import Message, SamplingParams
from processes import COUNTDOWN, Server, run_cli

CONTINUE = {"continue_final_message": True, "add_generation_prompt": False}
MARKERS = ["+", "-", "*", "/", "<", "#"]


@pytest.fixture(scope="module")
def chain(server):
    b = Server("--no-embedded", "--backend", f"think=openai:ponder-think@{server.base_url}?thinking=continue")
    yield server, b
    b.stop()


def sdk(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


def test_a_continues_the_final_assistant_message_up_to_a_stop_marker(server):
    messages = [{"role": "user", "content": COUNTDOWN}, {"role": "assistant", "content": "ab+=8|7 11 8;"}]
    kept = sdk(server).chat.completions.create(model="ponder-think", messages=messages, temperature=0, max_tokens=40,
                                               extra_body={**CONTINUE, "stop": MARKERS, "include_stop_str_in_output": True})
    text = kept.choices[0].message.content
    assert text[-1] in MARKERS and not any(m in text[:-1] for m in MARKERS)  # stopped at the first marker, kept
    assert kept.usage.completion_tokens == len(text)  # ponder-think writes one character per token
    cut = sdk(server).chat.completions.create(model="ponder-think", messages=messages, temperature=0, max_tokens=40,
                                              extra_body={**CONTINUE, "stop": MARKERS})
    assert cut.choices[0].message.content == text[:-1]  # the OpenAI default: the stop string is not returned


def test_continuing_needs_an_assistant_message_last(server):
    with pytest.raises(openai.BadRequestError, match="assistant"):
        sdk(server).chat.completions.create(model="ponder-think", messages=[{"role": "user", "content": COUNTDOWN}],
                                            max_tokens=5, extra_body=CONTINUE)


def test_b_forces_the_budget_through_a_runs_the_calculator_and_is_charged_what_a_served(chain):
    a, b = chain
    before = {kind: a.metric("ponder_tokens_total", kind=kind) for kind in ("prompt", "completion")}
    requests_before = a.metric("ponder_requests_total")
    response = sdk(b).chat.completions.create(model="think", messages=[{"role": "user", "content": COUNTDOWN}],
                                              reasoning_effort="low", temperature=0, seed=1)
    thought = response.choices[0].message.model_extra["reasoning"].replace("\n", ";")
    assert thought.startswith("ab+=8|7 11 8;")  # the calculator's output, written by B's client-side tool
    details = response.usage.completion_tokens_details
    assert 0 < details.reasoning_tokens <= 256 + 1  # low = 256 thinking tokens, then the closing marker
    rounds = a.metric("ponder_requests_total") - requests_before
    assert rounds >= 3  # one request per tool call, then the answer
    served = {kind: a.metric("ponder_tokens_total", kind=kind) - before[kind] for kind in before}
    assert response.usage.prompt_tokens == served["prompt"]  # every round's prompt (the growing thought) is charged
    # ponder-think writes no '=' or '|': those start the calculator's outputs (the shown thought drops a last ';')
    tool = sum(len(output) for output in re.findall(r"[=|][^;]*;?", thought))
    forced = response.usage.completion_tokens - served["completion"]  # B adds the calculator's output and its closing marker
    assert 0 <= forced - tool <= 2


def test_an_answer_b_gives_after_a_hit_is_correct(chain):
    _, b = chain
    response = sdk(b).chat.completions.create(model="think", messages=[{"role": "user", "content": COUNTDOWN}],
                                              reasoning_effort="medium", temperature=0, seed=1)
    thought = response.choices[0].message.model_extra["reasoning"]
    if "!" in thought:  # the calculator reported a hit: the answer is its path
        task = CountdownTask()
        problem = problem_from_text(COUNTDOWN)
        assert task.grade(problem, task.extract(response.choices[0].message.content))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cap=st.integers(0, 120), share=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_client_side_chains_never_pass_their_cap_and_honour_the_minimum(server, cap, share, seed):
    generator = load_generator(f"openai:ponder-think@{server.base_url}?thinking=continue")
    minimum = int(cap * share)
    params = with_thinking(SamplingParams(temperature=1.0, seed=seed), thinking_budget(cap, minimum))
    generation = asyncio.run(generator.generate([Message("user", COUNTDOWN)], 2, params))
    for completion in generation.completions:
        assert completion.thinking_tokens <= cap
        assert completion.completion_tokens <= params.max_tokens
        solved = "!" in (completion.reasoning or "")
        assert completion.thinking_tokens >= minimum or solved or completion.close_tokens  # went on to the minimum


def test_an_openai_model_without_a_thinking_control_says_what_is_missing(server):
    generator = load_generator(f"openai:ponder-think@{server.base_url}")
    params = with_thinking(SamplingParams(), thinking_budget(64))
    with pytest.raises(GeneratorError, match=r"\?thinking="):
        asyncio.run(generator.generate([Message("user", COUNTDOWN)], 1, params))


def test_a_backend_that_cannot_continue_a_message_is_a_clear_error(scripted_backend):
    generator = load_generator(f"openai:scripted@{scripted_backend.base_url}?thinking=continue")
    params = with_thinking(SamplingParams(), thinking_budget(64))
    with pytest.raises(GeneratorError, match="continue a final assistant message"):
        asyncio.run(generator.generate([Message("user", COUNTDOWN)], 1, params))


def test_solve_thinks_through_a_remote_backend_with_the_usage_fields(server, tmp_path):
    problems = tmp_path / "p.jsonl"
    problems.write_text('{"id": "a", "numbers": [3, 5, 7, 11], "target": 24}\n')
    done = run_cli("solve", "--task", "countdown", "--input", str(problems), "--model",
                   f"openai:ponder-think@{server.base_url}?thinking=continue", "--strategy", "think",
                   "--thinking-tokens", "96", "--temperature", "0", "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr
    usage = json.loads(done.stdout.splitlines()[0])["usage"]
    assert 0 < usage["thinking_tokens"] <= 96 and usage["tool_tokens"] > 0
    assert usage["answer_tokens"] >= 0 and usage["forced_tokens"] >= 0


def test_a_continues_ponder_tiny_too_and_counts_what_it_generated(server):
    messages = [{"role": "user", "content": COUNTDOWN}, {"role": "assistant", "content": ""}]
    response = sdk(server).chat.completions.create(model="ponder-tiny", messages=messages, max_tokens=6, seed=4, extra_body=CONTINUE)
    assert 1 <= response.usage.completion_tokens <= 6 and response.choices[0].finish_reason in ("stop", "length")
