"""The adaptive strategy's control flow, on scripted candidates with known answers."""

import asyncio
import json
import random

import pytest

from ponder.budget import Budget, Limits
from ponder.strategies import get_strategy
from ponder.strategies.adaptive import Allocation, probe_difficulty
from ponder.strategies.base import Run, StrategyError
from ponder.testing import AnswerKeyVerifier, ScriptedGenerator
from ponder.types import Problem, SamplingParams

PROBLEM = Problem(id="p", task="fake", prompt="question")


def solve(texts, candidates=8, verifier=AnswerKeyVerifier("3"), allocation=None, limits=None):
    generator = ScriptedGenerator(texts)
    run = Run(
        problem=PROBLEM, strategy="adaptive", generator=generator,
        budget=Budget(limits or Limits(max_candidates=candidates)),
        extract=lambda text: text, verifier=verifier, params=SamplingParams(), rng=random.Random(0),
        batch_size=4,
    )
    return asyncio.run(get_strategy("adaptive")(run, allocation=allocation)), generator


def test_a_verified_probe_answer_stops_at_the_probe():
    result, _ = solve(["3", "1", "1", "1"])
    assert result.answer == "3" and result.stop_reason == "solved" and len(result.candidates) == 2


def test_a_hard_looking_problem_gets_the_whole_budget():
    result, _ = solve(["1", "2", "2", "2", "2", "2", "2", "3"], candidates=8)
    assert result.answer == "3" and len(result.candidates) == 8


def test_without_a_verifier_agreeing_probe_answers_stop_early_and_disagreeing_ones_vote():
    agreed, _ = solve(["7", "7", "5", "5", "5"], verifier=None)
    assert agreed.answer == "7" and len(agreed.candidates) == 2
    voted, _ = solve(["7", "5", "5", "5", "9", "9", "9", "9"], verifier=None)
    assert voted.answer == "9" and len(voted.candidates) == 8


def test_the_allocation_sets_strategy_and_candidates_per_difficulty_bin():
    allocation = Allocation(edges=(0.0,), choices=(("majority", 5), ("best_of_n", 2)))
    result, _ = solve(["1", "2", "2", "2", "2", "2", "2"], candidates=64, allocation=allocation)
    assert len(result.candidates) == 5 and result.answer == "2"  # probe all wrong: majority of 5


def test_adaptive_never_exceeds_its_budget():
    for limits in (Limits(max_candidates=1), Limits(max_candidates=3), Limits(max_tokens=25), Limits(max_calls=2)):
        result, generator = solve(["1"], limits=limits, allocation=Allocation(edges=(), choices=(("best_of_n", 1000),)))
        assert result.usage.candidates <= (limits.max_candidates or 10**9)
        assert result.usage.completion_tokens <= (limits.max_tokens or 10**9)
        assert result.usage.calls <= (limits.max_calls or 10**9)


def test_probe_difficulty_is_mean_score_or_answer_agreement():
    assert probe_difficulty(["1", "1"], [1.0, 0.0]) == 0.5
    assert probe_difficulty(["4", "4", "4", None], None) == 0.75
    assert probe_difficulty([None, None], None) == 0.0


def test_allocations_load_from_scale_output_and_bad_ones_are_clear_errors(tmp_path):
    path = tmp_path / "allocation.json"
    path.write_text(json.dumps({"probe": 2, "bins": [
        {"above": None, "up_to": 0.0, "strategy": "best_of_n", "candidates": 32},
        {"above": 0.0, "up_to": None, "strategy": "single", "candidates": 1},
    ]}))
    allocation = Allocation.load(path)
    assert allocation.choose(0.0) == ("best_of_n", 32) and allocation.choose(0.5) == ("single", 1)
    path.write_text("{}")
    with pytest.raises(StrategyError, match="cannot read an allocation"):
        Allocation.load(path)
    with pytest.raises(StrategyError, match="one choice per difficulty bin"):
        Allocation(edges=(0.5,), choices=(("single", 1),))
