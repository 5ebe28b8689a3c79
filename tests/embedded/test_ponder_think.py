"""ponder-think, the real embedded thinking model: budgets, tools, usage and the CLI interface."""

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processes import run_cli
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.types import Message, SamplingParams

QUESTION = [Message("user", "Use the numbers 3, 5, 7 and 11 to make 24.")]


@pytest.fixture(scope="module")
def think():
    from ponder.embedded.think import EmbeddedThinkGenerator

    return EmbeddedThinkGenerator(threads=1)


def generate(think, n, params):
    return asyncio.run(think.generate(QUESTION, n, params)).completions


def test_some_of_sixteen_sampled_chains_solve_the_readme_example_and_show_their_search(think):
    from ponder.tasks.countdown import CountdownTask

    task = CountdownTask()
    problem = task.from_record({"id": "x", "numbers": [3, 5, 7, 11], "target": 24})
    chains = generate(think, 16, with_thinking(SamplingParams(temperature=1.0, seed=0), thinking_budget(512)))
    solved = [c for c in chains if task.grade(problem, task.extract(c.text))]
    assert solved, [c.text for c in chains]
    assert "!" in solved[0].reasoning  # the calculator marked the hit in the thought
    assert all(0 < c.tool_tokens < c.thinking_tokens <= 512 for c in chains)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cap=st.integers(0, 200), minimum=st.integers(0, 200), tools=st.booleans(), seed=st.integers(0, 2**16))
def test_no_chain_passes_its_thinking_cap_or_its_completion_limit(think, cap, minimum, tools, seed):
    params = with_thinking(SamplingParams(temperature=1.0, seed=seed), thinking_budget(cap, min(minimum, cap), tools))
    for completion in generate(think, 3, params):
        assert completion.thinking_tokens <= cap
        assert completion.completion_tokens <= params.max_tokens
        assert completion.answer_tokens >= 0 and completion.tool_tokens <= completion.thinking_tokens
        if not tools:
            assert completion.tool_tokens == 0


@pytest.mark.parametrize("max_tokens", [1, 2, 3, 4])
@pytest.mark.parametrize("cap", [0, 1, 2, 3, 4, None])
def test_no_chain_passes_a_completion_limit_of_one_to_four_tokens(think, max_tokens, cap):
    """At the edge a forced close used to be charged on top of the answer: 2 tokens spent under a limit of 1."""
    params = with_thinking(SamplingParams(temperature=1.0, seed=max_tokens), thinking_budget(cap), max_tokens)
    for completion in generate(think, 2, params):
        assert completion.completion_tokens <= max_tokens
        assert completion.thinking_tokens <= (max_tokens if cap is None else cap)


def test_a_minimum_keeps_a_chain_thinking_past_where_it_would_stop(think):
    params = SamplingParams(temperature=1.0, seed=0)
    early = min((c for c in generate(think, 16, with_thinking(params, thinking_budget(512))) if c.finish_reason == "stop" and c.close_tokens == 0),
                key=lambda c: c.thinking_tokens)  # the sampled chain that ended its thought first
    forced = generate(think, 16, with_thinking(params, thinking_budget(1024, early.thinking_tokens + 50)))
    assert all(c.thinking_tokens >= early.thinking_tokens + 50 for c in forced)
    assert any(c.cue_tokens >= 1 for c in forced)  # some chain wanted to stop early and was cued to go on


def test_at_a_small_cap_the_thought_is_closed_and_an_answer_forced(think):
    [completion] = generate(think, 1, with_thinking(SamplingParams(temperature=0.0), thinking_budget(5)))
    assert completion.thinking_tokens == 5 and completion.forced_tokens == 1
    assert completion.answer_tokens >= 1


def test_solve_json_lines_report_thinking_usage_within_the_cap(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "numbers": [3, 5, 7, 11], "target": 24}\n{"id": "b", "numbers": [4, 7, 8, 8], "target": 24}\n')
    done = run_cli("solve", "--task", "countdown", "--input", str(path), "--model", "ponder-think", "--strategy", "think",
                   "--thinking-tokens", "300", "--seed", "3", "--json")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "b"]
    for record in records:
        usage = record["usage"]
        assert {"thinking_tokens", "tool_tokens", "answer_tokens", "forced_tokens"} <= set(usage)
        assert usage["thinking_tokens"] <= 300 and usage["candidates"] == 1
        parts = usage["thinking_tokens"] + usage["answer_tokens"]  # forced tokens are cues (inside the thought) or the closing text
        assert parts <= usage["completion_tokens"] <= parts + usage["forced_tokens"]


def test_best_of_n_over_chains_runs_up_to_k_chains_each_within_its_budget():
    done = run_cli("solve", "Use the numbers 2, 3, 13 and 25 to make 97.", "--model", "ponder-think", "--strategy", "best_of_n",
                   "--max-candidates", "4", "--thinking-tokens", "64", "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert 1 <= record["candidates"] <= 4
    assert record["usage"]["thinking_tokens"] <= 64 * record["candidates"]


def test_thinking_flags_are_checked():
    done = run_cli("solve", "Use the numbers 3, 5, 7 and 11 to make 24.", "--model", "ponder-think", "--thinking-tokens", "10",
                   "--min-thinking-tokens", "20")
    assert done.returncode == 2 and "exceed" in done.stderr
