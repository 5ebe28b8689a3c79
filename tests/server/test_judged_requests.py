"""A server configured with a judge (`ponder serve --judge NAME --judge-strategy S`) decides requests that have no
checker with it, charges its tokens as verifier tokens, and says so in the `ponder` object — a real `ponder serve`
on loopback, scripted backends (candidates that differ; a judge that names one), the openai SDK as the client."""

import openai
import pytest

from processes import Server

ASK = "Tell me a colour of the sky."


@pytest.fixture(scope="module")
def judged(scripted_backend):
    url = scripted_backend.base_url
    s = Server("--no-embedded", "--backend", f"chat=openai:cycle-grey|||blue|||grey|||grey@{url}",
               "--backend", "critic=openai:say-The most consistent response is Response 2@" + url,
               "--judge", "critic", "--judge-strategy", "usc")
    yield openai.OpenAI(base_url=s.base_url, api_key="unused", max_retries=0)
    s.stop()


def test_a_request_without_a_checker_is_decided_by_the_configured_judge(judged):
    reply = judged.chat.completions.create(model="chat", messages=[{"role": "user", "content": ASK}], reasoning_effort="low",
                                           extra_body={"ponder": {"budget": {"max_candidates": 4}}})
    assert reply.choices[0].message.content == "blue"  # the judge named response 2; a vote would have said grey
    account = reply.model_extra["ponder"]
    assert account["strategy"] == "usc" and account["verifier"] == "judge: critic"
    assert account["spend"]["verifier_calls"] == 1 and account["spend"]["verifier_tokens"] > 0


def test_a_request_may_still_name_its_own_strategy(judged):
    reply = judged.chat.completions.create(model="chat", messages=[{"role": "user", "content": ASK}], reasoning_effort="low",
                                           extra_body={"ponder": {"strategy": "majority", "budget": {"max_candidates": 4}}})
    assert reply.model_extra["ponder"]["strategy"] == "majority" and reply.model_extra["ponder"]["spend"]["verifier_calls"] == 0


def test_a_judge_that_is_not_served_is_refused_at_start(scripted_backend):
    with pytest.raises(RuntimeError, match="judge must be 'self' or a served model"):
        Server("--no-embedded", "--backend", f"chat=openai:say-x@{scripted_backend.base_url}", "--judge", "nobody")
