"""The local transformers path with the real Gemma 3 270M base model (its GGUF file, de-quantized)."""

import asyncio

import pytest

from ponder.generators.few_shot import FewShotGenerator, load_few_shot
from ponder.generators.hf_local import HFLocalGenerator
from ponder.types import Message, SamplingParams
from processes import ROOT

FEW_SHOT = ROOT / "examples" / "few_shot" / "addition.txt"


@pytest.fixture(scope="module")
def local(gemma):
    return HFLocalGenerator(gemma)


def test_a_gguf_file_loads_as_a_local_model(local):
    assert local.parameter_count == 268_098_176 and local.dtype in ("float32", "bfloat16")


def test_stop_sequences_end_a_base_models_answers(local):
    """Greedy answers end at the stop string; sampled ones never contain it and run to the limit only when it never came.

    (A sampled answer of a 270M base model may ramble past 64 tokens, and which one does depends on float rounding
    under the host's thread count, so the sampled claim is about the stop string, not about every answer stopping.)
    """
    few_shot = FewShotGenerator(local, load_few_shot(FEW_SHOT))
    question = [Message("user", "What is 38 + 27?")]
    greedy = asyncio.run(few_shot.generate(question, 2, SamplingParams(temperature=0, max_tokens=64, stop=("\n",))))
    assert all("\n" not in c.text and c.finish_reason == "stop" and c.completion_tokens < 64 for c in greedy.completions)
    sampled = asyncio.run(few_shot.generate(question, 4, SamplingParams(max_tokens=64, stop=("\n",), seed=0)))
    assert all("\n" not in c.text for c in sampled.completions)
    assert all(c.finish_reason == "stop" or c.completion_tokens == 64 for c in sampled.completions)
    assert any(c.finish_reason == "stop" for c in sampled.completions)


def test_sharing_the_prompt_cache_does_not_change_greedy_answers(local):
    """N rows decoded from one shared prefill write what one row decoded alone writes."""
    prompt = load_few_shot(FEW_SHOT).replace("{prompt}", "What is 51 + 24?")
    greedy = SamplingParams(temperature=0, max_tokens=12)
    alone, _ = local.sample_text(prompt, 1, greedy)
    shared, _ = local.sample_text(prompt, 3, greedy)
    assert [c.text for c in shared] == [alone[0].text] * 3
