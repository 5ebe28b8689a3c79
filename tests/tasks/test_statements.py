"""Tasks recognise the common ways their problems are stated, and a countdown statement says which rule it
asks for: every number (the 24 game, "use the numbers a, b, c and d") or some of them (countdown)."""

import pytest

from ponder.tasks import get_task, recognise
from ponder.tasks.countdown import asks_for_every_number, make_problem, read_statement
from ponder.tasks.text import problem_from_text

COUNTDOWN = get_task("countdown")


@pytest.mark.parametrize("text, numbers, target", [
    ("Use the numbers 3, 5, 7 and 11 to make 24.", [3, 5, 7, 11], 24),
    ("Make 100 from 25, 4, 7, 3", [25, 4, 7, 3], 100),
    ("Can you get 24 with 4 7 8 8?", [4, 7, 8, 8], 24),
    ("Using 2, 3 and 4, reach 10", [2, 3, 4], 10),
    ("reach 10 using the numbers 2, 3 and 4", [2, 3, 4], 10),
])
def test_common_countdown_phrasings_are_recognised(text, numbers, target):
    problem = recognise(text, "p")
    assert problem is not None and problem.task == "countdown"
    assert problem.data["numbers"] == numbers and problem.data["target"] == target


@pytest.mark.parametrize("text, a, b", [("What is 7 * 8?", 7, 8), ("Multiply 12 by 34", 12, 34), ("the product of 15 and 16", 15, 16)])
def test_common_multiplication_phrasings_are_recognised(text, a, b):
    problem = recognise(text, "p")
    assert problem is not None and problem.task == "arithmetic" and (problem.data["a"], problem.data["b"]) == (a, b)


def test_use_the_numbers_means_every_number_so_leaving_one_out_is_wrong():
    problem = read_statement("Use the numbers 3, 5, 7 and 11 to make 24.", "p")
    assert not COUNTDOWN.grade(problem, "5*7-11")  # leaves out the 3
    assert COUNTDOWN.grade(problem, "(7-3)*(11-5)")
    assert "every number exactly once" in COUNTDOWN.statement.describe(problem)


@pytest.mark.parametrize("text", ["Use some of the numbers 3, 5, 7 and 11 to make 24.", "Make 24 from 3, 5, 7, 11",
                                  "Use the numbers 3, 5, 7 and 11 to make 24, each number at most once."])
def test_countdown_phrasings_allow_some_of_the_numbers(text):
    problem = read_statement(text, "p")
    assert COUNTDOWN.grade(problem, "5*7-11")
    assert "at most once" in COUNTDOWN.statement.describe(problem)


@pytest.mark.parametrize("text", ["the 24 game: 3, 5, 7 and 11 make 24", "Using all the numbers 3, 5, 7 and 11, make 24"])
def test_the_24_game_and_all_the_numbers_ask_for_every_number(text):
    assert asks_for_every_number(text)


def test_generated_problems_keep_countdowns_rule_and_say_it():
    problem = COUNTDOWN.generate(1, seed=0)[0]
    assert "at most once" in problem.prompt and "rule" not in problem.data
    assert recognise(problem.prompt, "again").data == problem.data  # the prompt reads back as the same problem


def test_a_problem_file_can_ask_for_every_number():
    problem = COUNTDOWN.from_record({"id": 1, "numbers": [3, 5, 7, 11], "target": 24, "every_number": True})
    assert problem == make_problem("1", [3, 5, 7, 11], 24, every=True)
    assert not COUNTDOWN.grade(problem, "5*7-11")


def test_a_named_task_that_cannot_read_the_text_says_what_a_statement_looks_like():
    from ponder.tasks.base import ProblemError

    with pytest.raises(ProblemError, match="Use the numbers 3, 5, 7 and 11 to make 24"):
        problem_from_text("make something nice", "countdown")
