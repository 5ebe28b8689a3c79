"""self_test on answers: the judge's own program, run in the real sandbox, checks the candidates — known answers,
the first agreeing candidate accepted, the program's answer when none agrees, the vote when the program fails, every
token of the check charged."""

from __future__ import annotations

import asyncio
import random

from ponder.budget import Budget, Limits
from ponder.strategies import get_strategy
from ponder.strategies.base import Run
from ponder.testing import ScriptedGenerator
from ponder.types import Problem, SamplingParams
from ponder.verifiers.program_check import program_prompt

PROBLEM = Problem(id="p", task="fake", prompt="A box holds 6 rows of 7 eggs. How many eggs?")


def solve(texts, program, candidates=6, limits=None, events=None):
    generator = ScriptedGenerator(texts, tokens=10)
    judge = ScriptedGenerator([program], tokens=30)
    run = Run(problem=PROBLEM, strategy="self_test", generator=generator, budget=Budget(limits or Limits(max_candidates=candidates)),
              extract=lambda text: text.strip() or None, params=SamplingParams(), rng=random.Random(0), batch_size=4,
              on_event=(events.append if events is not None else lambda e: None))
    return asyncio.run(get_strategy("self_test")(run, judge=judge)), generator, judge


def test_the_first_candidate_agreeing_with_the_models_program_is_accepted_over_the_majority():
    events = []
    result, generator, judge = solve(["41", "41", "42", "41"], "```python\nrows, eggs = 6, 7\nprint(rows * eggs)\n```", events=events)
    assert result.answer == "42" and result.stop_reason == "done"
    assert result.usage.candidates == 3  # drawn one at a time until one agrees
    assert result.usage.verifier_calls == 2  # the judge writing its program, then the sandbox running it
    assert result.usage.verifier_tokens == 30 + judge.prompt_tokens
    assert judge.conversations[0][-1].content == program_prompt(PROBLEM.prompt)
    assert any("computes '42'" in event.message for event in events)


def test_a_program_that_fails_or_runs_forever_leaves_the_vote_to_decide():
    for program in ("```python\nraise SystemExit(3)\n```", "```python\nwhile True:\n    pass\n```", "I think it is 42."):
        result, _, _ = solve(["41", "42", "41", "43"], program, candidates=4)
        assert result.answer == "41" and result.usage.candidates == 4


def test_no_candidate_agreeing_means_the_programs_answer_over_the_most_voted():
    events = []
    result, _, _ = solve(["41", "40", "41"], "```python\nprint(42)\n```", candidates=3, events=events)
    assert result.answer == "42" and result.text == "42" and result.chosen is None and result.usage.candidates == 3
    assert any("its answer '42' stands" in event.message for event in events)


def test_no_room_for_the_program_means_no_judge_tokens_and_the_vote():
    result, _, judge = solve(["41", "42", "41"], "```python\nprint(42)\n```", limits=Limits(max_candidates=3, max_tokens=30))
    assert judge.calls == [] and result.usage.verifier_tokens == 0
    assert result.usage.completion_tokens <= 30 and result.answer == "41"
