"""Budget forcing for local Hugging Face models whose template uses <think> (Qwen3, DeepSeek-R1
distills), on a tiny Qwen3-architecture model built here (`tiny_think_model`)."""

import asyncio

import pytest
from hypothesis import given, settings, strategies as st

from ponder.generators.base import GeneratorError
from ponder.generators.hf_local import HFLocalGenerator
from ponder.thinking.budget import thinking_budget, with_thinking
from ponder.types import Message, SamplingParams
from tiny_think_model import build

ASK = [Message("user", "What is 6 times 7?")]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf-think")
    return {name: HFLocalGenerator(build(root / name, end_logit=logit), threads=1)
            for name, logit in (("always", 60.0), ("never", -60.0), ("sometimes", 3.0))}


def think(generator, n, params):
    return asyncio.run(generator.generate(ASK, n, params)).completions


def test_a_think_template_and_one_end_token_make_a_model_that_thinks(models):
    generator = models["always"]
    assert generator.capabilities.thinks and generator.tokenizer.convert_ids_to_tokens(generator.end_of_thought) == "</think>"


def test_a_chain_that_would_stop_at_once_is_cued_until_the_minimum(models):
    params = with_thinking(SamplingParams(temperature=0), thinking_budget(100, 12))
    (completion,) = think(models["always"], 1, params)
    # every end is replaced by "\nWait" (5 tokens) until 12 are written: 3 cues, then the model's end is kept
    assert completion.thinking_tokens == 15 and completion.cue_tokens == 15 and completion.close_tokens == 0
    assert completion.reasoning == "\nWait" * 3


def test_a_chain_that_would_never_stop_is_closed_at_the_cap_and_answers(models):
    params = with_thinking(SamplingParams(temperature=0), thinking_budget(30))
    (completion,) = think(models["never"], 1, params)
    assert completion.thinking_tokens == 30 and completion.close_tokens == 4  # "\n</think>\n\n"
    assert completion.answer_tokens > 0 and completion.completion_tokens <= params.max_tokens


@settings(max_examples=15, deadline=None)
@given(cap=st.integers(0, 60), share=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_local_chains_never_pass_their_cap_and_honour_the_minimum(models, cap, share, seed):
    minimum = int(cap * share)
    params = with_thinking(SamplingParams(temperature=1.0, seed=seed), thinking_budget(cap, minimum))
    for completion in think(models["sometimes"], 3, params):
        assert minimum <= completion.thinking_tokens <= cap
        assert completion.completion_tokens <= params.max_tokens


@pytest.mark.parametrize("max_tokens", [1, 2, 3, 4])
def test_a_completion_limit_too_short_for_the_closing_tag_is_still_kept(models, max_tokens):
    params = with_thinking(SamplingParams(temperature=1.0, seed=max_tokens), thinking_budget(4), max_tokens)
    for completion in think(models["sometimes"], 2, params):
        assert completion.completion_tokens <= max_tokens


def test_a_model_without_think_tags_refuses_a_thinking_budget(embedded):
    params = with_thinking(SamplingParams(), thinking_budget(16))
    with pytest.raises(GeneratorError, match="does not think"):
        asyncio.run(embedded.local.generate([Message("user", "Use the numbers 3, 5 and 7 to make 15.")], 1, params))


def test_a_final_assistant_message_is_continued_up_to_a_stop_string(models):
    messages = [*ASK, Message("assistant", "<think>\nLet me")]
    generator = models["sometimes"]
    assert generator.render_continuation(messages).endswith("<think>\nLet me")  # no end of turn after it
    (kept, cut) = asyncio.run(generator.continue_final(messages, 2, SamplingParams(max_tokens=50, seed=3), stop=("e",), include_stop=True)).completions
    for completion in (kept, cut):
        assert completion.completion_tokens <= 50
        if completion.finish_reason == "stop" and completion.text.endswith("e"):
            assert completion.text.count("e") == 1  # stopped at the first


def test_a_local_model_spec_may_name_the_python_format_and_its_thought_keeps_the_cap(tmp_path):
    """`hf:PATH?format=python`: the model thinks in its reply (no <think> token needed), closed python blocks run in
    the sandbox while it decodes, and the thought stays within its cap (a random tiny model writes no code: the
    mechanics are what is shown here; tests/thinking/test_chain.py runs a block)."""
    from ponder.loading import load_generator

    generator = load_generator(f"hf:{build(tmp_path / 'py', end_logit=-60.0)}?format=python")
    assert generator.capabilities.think_format.name == "python" and generator.capabilities.thinks
    params = with_thinking(SamplingParams(temperature=1.0, seed=0, max_tokens=40), thinking_budget(16))
    (completion,) = asyncio.run(generator.generate(ASK, 1, params)).completions
    assert completion.thinking_tokens <= 16 and completion.completion_tokens <= params.max_tokens
