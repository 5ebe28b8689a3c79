"""The supervised warm-up's targets and loss, and the exchange-rate fit on data with a known answer."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from ponder.training.exchange import CheckpointChains, compute_for, exchange_rate, frontier, grid
from ponder.training.sft import compact_example, load_examples, supervised_warmup


def test_a_compact_chain_is_trained_on_the_models_characters_and_the_answer_only():
    vocab = {c: i for i, c in enumerate("#!;<=|+-*/ 0123456789abcdefT>:")}
    ids, weights = compact_example("T3 5 7>56:", "ab+=8|7 8\nab*=56!ab+ab*", vocab, bos=100, eos=101)
    inverse = {i: c for c, i in vocab.items()}
    trained = "".join(inverse.get(i, "$") for i, w in zip(ids, weights) if w)
    assert trained == "ab+ab*#ab+ab*$"  # the operations, the end of the thought, the hit's path, eos
    assert compact_example("T3 5>56:", "ab+=8", vocab, 100, 101) is None  # no hit: nothing to answer


@pytest.mark.slow
def test_the_warm_up_lowers_the_loss_on_its_traces(tmp_path):
    from ponder.tasks.countdown import prompt_for
    from ponder.training.rollout import ThinkPolicy
    from ponder.training.recipes.search_traces import random_walk_instance, teacher_trace
    from ponder.embedded.think import readable

    rng = random.Random(0)
    lines = []
    while len(lines) < 4:
        numbers, target = random_walk_instance(rng)
        pieces, answer = teacher_trace(numbers, target, rng, 0.5)
        if answer and len(answer) > 1:
            lines.append(json.dumps({"prompt": prompt_for(numbers, target), "thought": readable("".join(p.text for p in pieces)), "correct": True}))
    traces = tmp_path / "traces.jsonl"
    traces.write_text("\n".join(lines) + "\n")
    policy = ThinkPolicy()
    assert len(load_examples(policy, traces)) == 4
    losses = supervised_warmup(policy, None, traces, steps=12, seed=0, batch=4, learning_rate=1e-3, on_progress=None)
    assert np.mean(losses[-3:]) < np.mean(losses[:3])


def chains_needing(compute_scale: float, problems: int = 400, n: int = 8) -> np.ndarray:
    """Thinking tokens of chains that are all right, each needing compute_scale x a fixed spread of tokens."""
    rng = np.random.default_rng(0)
    return np.round(compute_scale * rng.uniform(10, 1000, size=(problems, n))).astype(int)


def test_the_frontier_rises_and_interpolates_in_log_compute():
    compute, accuracy = frontier([(1, 64, 100.0, 0.2), (2, 64, 200.0, 0.1), (1, 128, 400.0, 0.5)])
    assert compute.tolist() == [100.0, 400.0] and accuracy.tolist() == [0.2, 0.5]
    assert compute_for(0.35, compute, accuracy) == pytest.approx(200.0)
    assert compute_for(0.6, compute, accuracy) is None and compute_for(0.1, compute, accuracy) is None


def test_the_fitted_exchange_rate_recovers_a_known_one():
    # train compute x10 halves the tokens each chain needs: one 10x of train replaces exactly 2x of test
    checkpoints = [CheckpointChains(f"c{i}", 10.0 ** i, chains_needing(0.5 ** i), np.ones((400, 8), bool), answer_tokens=0)
                   for i in range(3)]
    caps = [2 ** p for p in range(3, 11)]
    fitted = exchange_rate(checkpoints, [0.3, 0.5, 0.7], [1], caps, parameters=1, resamples=20)
    assert fitted["test_multiple_per_10x_train"] == pytest.approx(2.0, rel=0.15)
    low, high = fitted["test_multiple_ci95"]
    assert low <= fitted["test_multiple_per_10x_train"] <= high
    assert len(grid(checkpoints[0], [1, 2], caps, 1)) == 2 * len(caps)
