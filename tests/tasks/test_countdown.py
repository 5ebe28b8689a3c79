import random
from fractions import Fraction

import pytest

from ponder.tasks import get_task
from ponder.tasks.base import split_of
from ponder.tasks.countdown import extract, parse_statement, problem_key, random_instance
from ponder.verifiers.countdown import check, evaluate


def test_checker_accepts_a_correct_expression():
    assert check([3, 5, 7, 11], 24, "(7-3)*(11-5)").correct is True


def test_checker_uses_exact_fractions():
    # The classic 8 / (3 - 8/3) = 24 needs rational intermediate values.
    assert evaluate("8/(3-8/3)")[0] == Fraction(24)
    assert check([3, 3, 8, 8], 24, "8/(3-8/3)").correct is True


def test_division_by_zero_is_a_wrong_answer_not_a_crash():
    verdict = check([5, 5, 3], 1, "3/(5-5)")
    assert verdict.correct is False and "division by zero" in verdict.feedback


def test_numbers_not_given_or_used_too_often_are_wrong():
    assert "not given" in check([3, 5, 7], 15, "3*5*1").feedback
    assert check([3, 5, 7], 9, "3+3+3").correct is False
    assert check([3, 3, 7], 6, "3+3").correct is True


def test_using_a_subset_of_the_numbers_is_allowed():
    assert check([2, 9, 13, 21], 22, "13+9").correct is True


def test_non_arithmetic_input_is_rejected_safely():
    for text in ["__import__('os')", "2**10", "-3+5", "3 5", "", "(" * 300]:
        assert check([2, 3, 5, 10], 8, text).correct is False


def test_generated_problems_are_solvable_by_their_recorded_solution():
    rng = random.Random(7)
    for _ in range(500):
        numbers, target, expression = random_instance(rng, None)
        assert 1 <= target <= 100 and len(numbers) in (3, 4)
        assert check(numbers, target, expression).correct, (numbers, target, expression)


def test_held_out_problems_never_come_from_the_training_split():
    problems = get_task("countdown").generate(300, seed=5, split="test")
    assert all(split_of(problem_key(p.data["numbers"], p.data["target"])) == "test" for p in problems)
    rng = random.Random(1)
    assert all(split_of(problem_key(n, t)) == "train" for n, t, _ in (random_instance(rng, "train") for _ in range(300)))


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("(7-3)*(11-5)", "(7-3)*(11-5)"),
        ("I think it is 13 + 9 = 22", "13 + 9"),
        ("Answer: 3 × 8", "3 × 8"),
        ("no idea", None),
    ],
)
def test_extract_reads_the_last_expression(reply, expected):
    assert extract(reply) == expected


def test_statement_parsing_round_trips_the_prompt():
    problem = get_task("countdown").generate(1, seed=3)[0]
    assert parse_statement(problem.prompt) == (problem.data["numbers"], problem.data["target"])
