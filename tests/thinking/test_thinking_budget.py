"""Thinking budgets as users give them (pure logic)."""

import pytest

from ponder.thinking.budget import ANSWER_ROOM, ThinkingError, thinking_budget, with_thinking
from ponder.types import SamplingParams


def test_a_candidate_may_be_its_longest_thought_plus_room_for_the_answer():
    params = with_thinking(SamplingParams(max_tokens=256), thinking_budget(300, 10, tools=False))
    assert params.max_tokens == 300 + ANSWER_ROOM
    assert (params.thinking.cap, params.thinking.minimum, params.thinking.tools) == (300, 10, False)
    assert with_thinking(SamplingParams(), thinking_budget(300), max_tokens=50).max_tokens == 50


@pytest.mark.parametrize("cap, minimum, message", [(-1, None, ">= 0"), (10, 20, "exceed"), (10, -2, ">= 0"), (1.5, None, "whole")])
def test_bad_budgets_are_refused_with_a_reason(cap, minimum, message):
    with pytest.raises(ThinkingError, match=message):
        thinking_budget(cap, minimum)
