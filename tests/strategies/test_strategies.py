"""Strategy control flow, on scripted candidates with known answers."""

import asyncio
import random

import pytest

from ponder.budget import Budget, Limits
from ponder.strategies import get_strategy
from ponder.strategies.base import Run, StrategyError
from ponder.testing import AnswerKeyVerifier, ScriptedGenerator
from ponder.types import Problem, SamplingParams

PROBLEM = Problem(id="p", task="fake", prompt="question")


def solve(strategy, texts, candidates=8, verifier=AnswerKeyVerifier("3"), batch_size=4, events=None):
    generator = ScriptedGenerator(texts)
    run = Run(
        problem=PROBLEM,
        strategy=strategy,
        generator=generator,
        budget=Budget(Limits(max_candidates=candidates)),
        extract=lambda text: None if text == "?" else text,
        verifier=verifier,
        params=SamplingParams(),
        rng=random.Random(0),
        batch_size=batch_size,
        on_event=(events.append if events is not None else lambda e: None),
    )
    return asyncio.run(get_strategy(strategy)(run)), generator


def test_best_of_n_stops_at_the_first_verified_answer():
    result, generator = solve("best_of_n", ["1", "2", "3", "4", "5"])
    assert result.answer == "3" and result.stop_reason == "solved"
    assert len(result.candidates) == 4  # one batch of 4, no second batch


def test_best_of_n_returns_the_best_scored_when_nothing_is_correct():
    result, _ = solve("best_of_n", ["1", "2"], candidates=6)
    assert result.answer == "1" and result.stop_reason == "budget" and len(result.candidates) == 6


def test_majority_picks_the_most_common_answer():
    result, _ = solve("majority", ["7", "5", "7", "?", "5", "7"], candidates=6, verifier=None)
    assert result.answer == "7" and result.text == "7"


def test_majority_stops_once_the_vote_is_decided():
    result, _ = solve("majority", ["9"], candidates=16, verifier=None, batch_size=4)
    assert len(result.candidates) == 12 and result.stop_reason == "done"  # after 12 votes of 9, 4 left can't win


def test_weighted_majority_uses_verifier_scores():
    result, _ = solve("weighted_majority", ["3", "4", "4"], candidates=3)
    assert result.answer == "3"  # two votes for 4 weigh 0; one correct 3 weighs 1


def test_revise_feeds_back_and_stops_when_right():
    events = []
    result, generator = solve("revise", ["1", "2", "3", "4"], events=events)
    assert result.answer == "3" and len(result.candidates) == 3
    assert [n for n, _ in generator.calls] == [1, 1, 1]
    assert sum(e.kind == "decision" and "revising" in e.message for e in events) == 2


def test_single_takes_one_candidate_without_verifying():
    result, _ = solve("single", ["2", "3"], verifier=None)
    assert result.answer == "2" and len(result.candidates) == 1 and result.candidates[0].verdict is None


@pytest.mark.parametrize("strategy", ["best_of_n", "weighted_majority", "revise"])
def test_verifier_strategies_say_they_need_one(strategy):
    with pytest.raises(StrategyError, match="needs a verifier"):
        solve(strategy, ["1"], verifier=None)


def test_events_report_candidates_scores_and_best():
    events = []
    solve("best_of_n", ["1", "2", "3"], batch_size=2, events=events)
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["candidate", "candidate"] and "scored" in kinds and "best" in kinds and kinds[-1] == "done"


def test_reflect_keeps_the_output_and_moves_the_reasoning_aside():
    reply = "<thinking>1 + 2</thinking>\n<reflection>right</reflection>\n<output>3</output>"
    result, generator = solve("reflect", [reply], verifier=None)
    assert result.answer == "3" and result.text == "3" and len(result.candidates) == 1
    assert result.candidates[0].completion.reasoning == "<thinking>1 + 2</thinking>\n<reflection>right</reflection>"
    assert result.usage.generated_tokens == 10  # the whole reply is charged, reasoning included
    system, user = generator.conversations[0]
    assert system.role == "system" and "<output>" in system.content and user.content == "question"


def test_reflect_without_the_tags_keeps_the_whole_reply():
    result, _ = solve("reflect", ["3"], verifier=None)
    assert result.answer == "3" and result.candidates[0].completion.reasoning is None
