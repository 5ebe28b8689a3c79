import pytest

from ponder.tasks import get_task
from ponder.verifiers.math_answer import equivalent, extract_final_answer


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("Natalia sold 48 clips in April.\n#### 72", "72"),
        ("The answer is \\boxed{3/4}.", "3/4"),
        ("So the final answer is $1,234.", "1234"),
        ("738 + 6150 + 49200 = 56088", "56088"),
        ("nothing numeric", None),
    ],
)
def test_extract_final_answer(reply, expected):
    assert extract_final_answer(reply) == expected


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("72", "72.0", True),
        ("0.5", "1/2", True),
        ("1,000", "1000", True),
        ("2*sqrt(2)", "sqrt(8)", True),
        ("3", "4", False),
        ("__import__('os').system('true')", "0", False),
        (None, "3", False),
    ],
)
def test_equivalence(a, b, same):
    assert equivalent(a, b) is same


def test_arithmetic_grades_against_the_true_product():
    task = get_task("arithmetic")
    problem = task.generate(1, seed=1)[0]
    product = problem.data["a"] * problem.data["b"]
    assert task.grade(problem, str(product)) is True
    assert task.grade(problem, str(product + 1)) is False
