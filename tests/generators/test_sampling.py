import asyncio

import torch

from ponder.generators.sampling import pick_next
from ponder.types import Message, SamplingParams


def test_tiny_top_p_keeps_only_the_most_likely_token():
    logits = torch.tensor([[0.0, 3.0, 1.0, 2.9]] * 50)
    tokens = pick_next(logits, temperature=1.0, top_p=0.01, rng=torch.Generator().manual_seed(0))
    assert tokens.tolist() == [1] * 50


def test_temperature_zero_is_argmax():
    logits = torch.tensor([[0.5, -1.0, 4.0], [9.0, 0.0, 0.0]])
    assert pick_next(logits, 0.0, 1.0, torch.Generator()).tolist() == [2, 0]


def test_top_p_samples_only_inside_the_nucleus():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])).expand(2000, -1)
    tokens = pick_next(logits, 1.0, 0.8, torch.Generator().manual_seed(1))
    assert set(tokens.tolist()) == {0, 1}  # 0.5 + 0.3 reaches 0.8; the tail is never drawn


def test_an_expired_deadline_stops_decoding_at_once(embedded):
    messages = [Message("user", "What is 4821 × 913?")]
    generation = asyncio.run(embedded.generate(messages, 4, SamplingParams(max_tokens=40, seed=0), timeout=0.0))
    assert all(c.completion_tokens == 1 for c in generation.completions)
    assert {c.finish_reason for c in generation.completions} <= {"deadline", "stop"}
