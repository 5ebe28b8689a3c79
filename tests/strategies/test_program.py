"""program: the model's program, run in the real sandbox, gives the answer — known answers, the program kept as
reasoning, every token charged, the run a verifier call, nothing answered when the program fails, a code task's reply kept as it is."""

from __future__ import annotations

import asyncio
import random

from ponder.budget import Budget, Limits
from ponder.strategies import get_strategy
from ponder.strategies.base import Run
from ponder.tasks import get_task
from ponder.testing import FakeClock, ScriptedGenerator
from ponder.types import Problem, SamplingParams
from ponder.verifiers.program_check import program_prompt

PROBLEM = Problem(id="p", task="fake", prompt="A box holds 6 rows of 7 eggs. How many eggs?")
EGGS = "```python\nrows, eggs = 6, 7\nprint(rows * eggs)\n```"


def solve(reply, limits=None, verifier=None, problem=PROBLEM, seconds_per_call=0.0):
    clock = FakeClock()
    generator = ScriptedGenerator([reply], tokens=12, seconds_per_call=seconds_per_call, clock=clock)
    run = Run(problem=problem, strategy="program", generator=generator, budget=Budget(limits or Limits(max_candidates=4), clock=clock),
              extract=lambda text: text.strip() or None, verifier=verifier, params=SamplingParams(), rng=random.Random(0))
    return asyncio.run(get_strategy("program")(run)), generator


def test_the_answer_is_what_the_models_program_prints():
    result, generator = solve(EGGS)
    assert result.answer == "42" and result.text == "42" and result.stop_reason == "done"
    assert result.candidates[0].completion.reasoning == EGGS  # the program is kept as the reasoning
    assert result.usage.candidates == 1 and result.usage.generated_tokens == 12  # the whole reply charged
    assert result.usage.verifier_calls == 1  # the sandbox run
    assert generator.conversations[0][-1].content == program_prompt(PROBLEM.prompt)


def test_a_program_that_fails_runs_forever_or_is_missing_answers_nothing():
    for reply in ("```python\nraise SystemExit(3)\n```", "```python\nwhile True:\n    pass\n```", "I think it is 42."):
        result, _ = solve(reply)
        assert result.answer is None and result.usage.candidates == 1


def test_no_time_left_after_the_sample_means_no_program_run():
    result, generator = solve(EGGS, limits=Limits(max_seconds=1.0), seconds_per_call=1.0)
    assert len(generator.calls) == 1 and result.usage.verifier_calls == 0 and result.answer is None


def test_on_a_code_task_the_reply_is_the_answer_as_with_single():
    task = get_task("humaneval")
    problem = task.generate(1, seed=0, split="test")[0]
    result, generator = solve(EGGS, verifier=task.verifier, problem=problem)
    assert result.text == EGGS and result.usage.verifier_calls == 0  # not run as a program that prints the answer
    assert generator.conversations[0][-1].content == problem.prompt
