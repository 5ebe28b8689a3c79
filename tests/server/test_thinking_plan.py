"""Pure logic of the server: how a request becomes a thinking job, how usage is counted, how the
config is read. Known answers, no processes."""

import json

import pytest

from ponder.budget import Limits
from ponder.server.config import ConfigError, ServerConfig, load_config, parse_backend
from ponder.server.errors import ApiError
from ponder.server.protocol import ChatRequest
from ponder.server.reasoned import usage_of
from ponder.server.jobs import resolve
from ponder.types import Candidate, Completion, Result, Usage

COUNTDOWN = "Use the numbers 3, 5, 7 and 11 to make 24."


def request(content=COUNTDOWN, **fields) -> ChatRequest:
    return ChatRequest(model="m", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": content}], **fields)


def test_effort_picks_the_preset_and_a_verifier_picks_best_of_n():
    job = resolve(request(reasoning_effort="high"), ServerConfig(), "r1", seed=5)
    assert job.plan.strategy == "best_of_n" and job.plan.limits.max_candidates == 16 and job.verifier == "countdown"
    assert job.problem.task == "countdown" and job.problem.data == {"numbers": [3, 5, 7, 11], "target": 24, "rule": "every number"}
    assert [m.role for m in job.problem.messages] == ["system", "user"]  # the whole conversation goes to the model


def test_effort_none_answers_once_greedily():
    job = resolve(request(reasoning_effort="none"), ServerConfig(), "r", seed=0)
    assert job.plan.strategy == "single" and job.plan.params.temperature == 0 and job.plan.limits.max_candidates == 1


def test_a_chat_message_votes_without_a_verifier():
    job = resolve(request("Which is larger, 9.11 or 9.9?", reasoning_effort="low"), ServerConfig(), "r", seed=0)
    assert job.task.name == "chat" and job.plan.strategy == "majority" and job.verifier == "none"


def test_verifier_none_turns_the_checker_off():
    job = resolve(request(ponder={"verifier": "none"}), ServerConfig(), "r", seed=0)
    assert job.task.verifier is None and job.plan.strategy == "majority"
    with pytest.raises(ApiError, match="needs a verifier"):
        resolve(request(ponder={"verifier": "none", "strategy": "revise"}), ServerConfig(), "r", seed=0)


def test_server_caps_bound_every_request():
    config = ServerConfig(budget_cap=Limits(max_candidates=10, max_seconds=3), max_tokens_per_candidate=32)
    job = resolve(request(reasoning_effort="max", ponder={"budget": {"max_seconds": 60}}), config, "r", seed=0)
    assert job.plan.limits.max_candidates == 10 and job.plan.limits.max_seconds == 3
    assert job.plan.params.max_tokens == 32
    capped = resolve(request(reasoning_effort="max", max_completion_tokens=100), config, "r", seed=0)
    assert capped.plan.limits.max_tokens == 100  # max_completion_tokens bounds every token, reasoning included


def test_too_many_thought_through_answers_is_a_bad_request():
    with pytest.raises(ApiError) as caught:
        resolve(request(reasoning_effort="low", n=9), ServerConfig(max_thinking_n=8), "r", seed=0)
    assert caught.value.status == 400 and caught.value.param == "n"


def _candidate(index, tokens):
    return Candidate(index, Completion(f"c{index}", tokens, "stop"), "1")


def test_reasoning_tokens_are_everything_generated_but_the_answers_returned():
    first = Result("p", "best_of_n", "1", "c1", 1, (_candidate(0, 10), _candidate(1, 7)), Usage(prompt_tokens=8, completion_tokens=17, verifier_tokens=5), "solved")
    second = Result("p", "best_of_n", "1", "c0", 0, (_candidate(0, 4),), Usage(prompt_tokens=4, completion_tokens=4), "done")
    usage, spent = usage_of([first, second])
    assert usage.prompt_tokens == 12 and usage.completion_tokens == 26 and usage.total_tokens == 38
    assert usage.completion_tokens_details.reasoning_tokens == 26 - 7 - 4
    assert spent.verifier_tokens == 5


def test_config_files_are_read_and_bad_ones_explained(tmp_path):
    good = tmp_path / "server.json"
    good.write_text(json.dumps({"backends": {"q": "openai:q@http://127.0.0.1:1/v1"}, "budget_cap": {"max_candidates": 3}, "efforts": {"high": {"max_candidates": 5}}}))
    config = load_config(good)
    assert config.backends == {"q": "openai:q@http://127.0.0.1:1/v1"} and config.budget_cap == Limits(max_candidates=3)
    assert config.efforts["high"] == Limits(max_candidates=5) and config.efforts["low"].max_candidates == 4
    toml = tmp_path / "server.toml"
    toml.write_text('max_concurrency = 8\napi_keys = ["k"]\n')
    assert load_config(toml).max_concurrency == 8 and load_config(toml).api_keys == frozenset({"k"})
    for bad, message in (({"max_concurency": 1}, "unknown settings"), ({"max_concurrency": 0}, "positive"),
                         ({"budget_cap": {"max_candidates": -1}}, "positive"), ({"backends": {"x": "nope"}}, "model spec")):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        with pytest.raises(ConfigError, match=message):
            load_config(path)
    with pytest.raises(ConfigError, match="NAME=SPEC"):
        parse_backend("no-equals-sign")


def test_a_strategy_that_runs_code_is_refused_for_a_task_whose_verifier_cannot():
    with pytest.raises(ApiError, match="runs candidates as code"):
        resolve(request(ponder={"strategy": "cluster"}), ServerConfig(), "r", seed=0)
