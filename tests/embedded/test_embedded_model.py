"""The embedded model is a real, standard Hugging Face checkpoint, and sampling from it is honest."""

import asyncio
import json
from pathlib import Path

from ponder.budget import Limits
from ponder.engine import Plan, solve
from ponder.embedded.tiny import MODEL_DIR
from ponder.tasks import get_task
from ponder.types import Message, SamplingParams


def test_checkpoint_loads_with_auto_classes_and_is_small():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR)
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    assert model.config.model_type == "llama"
    assert tokenizer.decode(tokenizer("C3 5 7 11>24:").input_ids, skip_special_tokens=True) == "C3 5 7 11>24:"
    size = sum(f.stat().st_size for f in Path(MODEL_DIR).iterdir())
    assert size <= 20 * 1024 * 1024
    assert (Path(MODEL_DIR) / "README.md").exists()  # the model card


def test_seeded_sampling_is_reproducible(embedded):
    messages = [Message("user", "Use the numbers 4, 9, 10 and 13 to make 17.")]
    params = SamplingParams(temperature=1.0, max_tokens=40, seed=11)
    first = asyncio.run(embedded.generate(messages, 8, params))
    second = asyncio.run(embedded.generate(messages, 8, params))
    assert [c.text for c in first.completions] == [c.text for c in second.completions]
    assert len(first.completions) == 8 and first.prompt_tokens > 0


def test_completions_respect_max_tokens_and_count_them(embedded):
    messages = [Message("user", "What is 482 × 913?")]
    generation = asyncio.run(embedded.generate(messages, 16, SamplingParams(max_tokens=5, seed=1)))
    assert all(1 <= c.completion_tokens <= 5 for c in generation.completions)
    assert all(c.finish_reason in ("stop", "length") for c in generation.completions)


def test_greedy_decoding_is_deterministic(embedded):
    messages = [Message("user", "What is 482 × 913?")]
    params = SamplingParams(temperature=0.0, max_tokens=40)
    texts = {asyncio.run(embedded.generate(messages, 1, params)).completions[0].text for _ in range(3)}
    assert len(texts) == 1


def test_unknown_requests_get_a_polite_answer_without_spending_tokens(embedded):
    generation = asyncio.run(embedded.generate([Message("user", "Tell me a joke")], 1, SamplingParams()))
    assert "countdown" in generation.completions[0].text and generation.completions[0].completion_tokens == 0


def test_a_real_solve_stays_within_its_token_budget(embedded):
    task = get_task("countdown")
    plan = Plan(strategy="best_of_n", limits=Limits(max_candidates=64, max_tokens=100), params=SamplingParams(max_tokens=30))
    for index, problem in enumerate(task.generate(5, seed=9)):
        result = asyncio.run(solve(problem, task, embedded, plan, index=index))
        assert result.usage.completion_tokens <= 100 and result.usage.candidates <= 64
        assert result.usage.flops == 2 * embedded.parameter_count * (result.usage.prompt_tokens + result.usage.completion_tokens)


def test_model_card_states_how_it_was_made():
    card = (Path(MODEL_DIR) / "README.md").read_text()
    training = json.loads((Path(MODEL_DIR) / "training.json").read_text())
    for fact in ("ponder recipe tiny-model", str(training["config"]["seed"]), f"{training['parameters']:,}"):
        assert fact in card
