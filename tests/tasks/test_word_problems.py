"""The word-problems task: its problems' hidden answers are right, held-out and training problems never meet,
replies are read for their final answer, and a bad record is refused in words."""

import re

import pytest

from ponder.tasks import get_task
from ponder.tasks.base import ProblemError, split_of

TASK = get_task("word-problems")


def test_the_first_problem_and_its_answer_worked_by_hand():
    problem = TASK.generate(1, seed=0)[0]
    assert problem.prompt.startswith("A warehouse holds 48 crates with 123 bolts in each. 31 bolts are shipped out.")
    assert problem.data["answer"] == str(48 * 123 - 31)


def test_every_answer_is_a_positive_whole_number_and_every_setting_is_used():
    problems = TASK.generate(40, seed=3)
    assert all(int(p.data["answer"]) > 0 for p in problems)
    assert len({re.sub(r"\d+", "N", p.prompt) for p in problems}) == 10


def test_held_out_and_training_problems_never_meet():
    held_out = {p.prompt for p in TASK.generate(50, seed=1)}
    training = {p.prompt for p in TASK.generate(200, seed=1, split="train")}
    assert not held_out & training
    assert all(split_of(p.split("\n\n")[0]) == "test" for p in held_out)


def test_the_final_answer_is_read_and_graded_against_the_hidden_one():
    problem = TASK.generate(1, seed=0)[0]
    assert TASK.grade(problem, TASK.extract("48 * 123 = 5904, minus 31.\nFinal answer: 5,873"))
    assert TASK.grade(problem, TASK.extract("Final answer: 5872")) is False
    assert TASK.verifier is None  # nothing checks a candidate: strategies vote or judge


@pytest.mark.parametrize("record, message", [({"id": "a", "prompt": "", "answer": "3"}, "prompt"),
                                             ({"id": "a", "prompt": "How many?", "answer": True}, "answer")])
def test_a_bad_record_is_refused_in_words(record, message):
    with pytest.raises(ProblemError, match=message):
        TASK.from_record(record)
