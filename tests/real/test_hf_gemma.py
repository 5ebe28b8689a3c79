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
    few_shot = FewShotGenerator(local, load_few_shot(FEW_SHOT))
    generation = asyncio.run(few_shot.generate([Message("user", "What is 38 + 27?")], 4, SamplingParams(max_tokens=64, stop=("\n",), seed=0)))
    assert all("\n" not in c.text and c.finish_reason == "stop" for c in generation.completions)
    assert all(c.completion_tokens < 64 for c in generation.completions)


def test_sharing_the_prompt_cache_does_not_change_greedy_answers(local):
    """N rows decoded from one shared prefill write what one row decoded alone writes."""
    prompt = load_few_shot(FEW_SHOT).replace("{prompt}", "What is 51 + 24?")
    greedy = SamplingParams(temperature=0, max_tokens=12)
    alone, _ = local.sample_text(prompt, 1, greedy)
    shared, _ = local.sample_text(prompt, 3, greedy)
    assert [c.text for c in shared] == [alone[0].text] * 3
