"""Rollouts of the real ponder-think: the trained-on positions are exactly the model's own characters."""

from __future__ import annotations

import pytest

from ponder.tasks.countdown import CountdownTask
from ponder.training.rollout import ThinkPolicy

TOOL_CHARACTERS = set("0123456789=| ;!")  # the calculator writes results, remaining numbers, line ends, hit marks


@pytest.fixture(scope="module")
def rollouts():
    task = CountdownTask()
    policy = ThinkPolicy()
    problems = task.generate(3, seed=5, split="train")
    return policy, problems, policy.rollouts(task, problems, 4, thinking=96, temperature=1.0, seed=11)


def test_rollouts_come_grouped_by_problem(rollouts):
    _, problems, sampled = rollouts
    assert [r.problem.id for r in sampled] == [p.id for p in problems for _ in range(4)]


def test_in_the_thought_only_the_models_own_characters_are_trained_on(rollouts):
    policy, _, sampled = rollouts
    inverse = {i: t for t, i in policy.tokenizer.get_vocab().items()}
    for rollout in sampled:
        text = [inverse.get(t, "") for t in rollout.tokens]
        end = text.index("#")  # the end of the thought, the model's or forced at the cap
        chosen = [c for c, s in zip(text[:end], rollout.sampled) if s]
        forced = [c for c, s in zip(text[:end], rollout.sampled) if not s]
        assert chosen and not TOOL_CHARACTERS & set(chosen)
        assert TOOL_CHARACTERS & set(forced)  # the calculator's output is there, and forced
        # after the thought the model writes its answer (and the eos): trained on, tool or no tool
        assert all(rollout.sampled[end + 1 :])


def test_no_chosen_token_was_one_the_calculator_refused(rollouts):
    _, _, sampled = rollouts
    refusals = 0
    for rollout in sampled:
        for position, banned in rollout.banned.items():
            assert rollout.sampled[position] and rollout.tokens[position] not in banned
            refusals += 1
    assert refusals > 0


def test_the_reward_is_the_graders_verdict(rollouts):
    task = CountdownTask()
    _, _, sampled = rollouts
    for rollout in sampled:
        assert rollout.reward == float(bool(task.grade(rollout.problem, task.extract(rollout.answer))))
        assert rollout.correct == (rollout.reward == 1.0)
        assert rollout.thinking_tokens <= 96


def test_the_same_seed_samples_the_same_chains(rollouts):
    policy, problems, sampled = rollouts
    again = policy.rollouts(CountdownTask(), problems, 4, thinking=96, temperature=1.0, seed=11)
    assert [r.tokens for r in again] == [r.tokens for r in sampled]
