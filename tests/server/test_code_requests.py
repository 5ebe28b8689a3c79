"""A chat request that carries visible tests (`extra_body={"ponder": {"tests": [...]}}`) has its candidates run
against them in the sandbox, and with `reasoning_effort` the answer is the best-verified candidate — a real
`ponder serve` on loopback, a scripted backend whose candidates differ, the openai SDK as the client."""

import openai
import pytest

from processes import Server

WRONG = "```python\\ndef add(a, b):\\n    return a * b\\n```"
RIGHT = "```python\\ndef add(a, b):\\n    return a + b\\n```"
HALF = "```python\\ndef add(a, b):\\n    return 5\\n```"  # passes one test of two
ASK = "Write a Python function add(a, b) that returns the sum of a and b."
TESTS = ["assert add(2, 3) == 5", "assert add(-4, 4) == 0"]


@pytest.fixture(scope="module")
def coder(scripted_backend):
    s = Server("--backend", f"coder=openai:cycle-{WRONG}|||{HALF}|||{RIGHT}|||{WRONG}@{scripted_backend.base_url}")
    yield openai.OpenAI(base_url=s.base_url, api_key="unused", max_retries=0)
    s.stop()


def test_the_answer_is_the_candidate_that_passes_the_visible_tests(coder):
    reply = coder.chat.completions.create(model="coder", messages=[{"role": "user", "content": ASK}], reasoning_effort="low",
                                          extra_body={"ponder": {"tests": TESTS, "budget": {"max_candidates": 4}}})
    assert "return a + b" in reply.choices[0].message.content
    account = reply.model_extra["ponder"]
    assert account["task"] == "code" and account["verifier"] == "visible-tests" and account["strategy"] == "best_of_n"
    assert account["spend"]["verifier_calls"] == 4  # every candidate was run (a visible pass proves nothing hidden: no early stop)


def test_tests_that_call_no_function_are_refused_with_the_reason(coder):
    with pytest.raises(openai.BadRequestError, match="call no function") as refused:
        coder.chat.completions.create(model="coder", messages=[{"role": "user", "content": ASK}], reasoning_effort="low",
                                      extra_body={"ponder": {"tests": ["assert 1 + 1 == 2"]}})
    assert refused.value.body["param"] == "ponder.tests"


@pytest.mark.parametrize("tests", [[], ["x" * 2_001], ["assert add(1, 1) == 2"] * 65])
def test_empty_oversized_or_too_many_tests_are_a_400(coder, tests):
    with pytest.raises(openai.BadRequestError):
        coder.chat.completions.create(model="coder", messages=[{"role": "user", "content": ASK}], reasoning_effort="low",
                                      extra_body={"ponder": {"tests": tests}})


def test_tests_whose_code_attacks_the_server_run_only_in_the_sandbox(coder):
    hostile = ["assert add(__import__('os').system('touch /tmp/ponder-pwned') or 2, 3) == 5"]
    reply = coder.chat.completions.create(model="coder", messages=[{"role": "user", "content": ASK}], reasoning_effort="low",
                                          extra_body={"ponder": {"tests": hostile, "budget": {"max_candidates": 2}}})
    assert reply.model_extra["ponder"]["task"] == "code"
    import os

    assert not os.path.exists("/tmp/ponder-pwned")
