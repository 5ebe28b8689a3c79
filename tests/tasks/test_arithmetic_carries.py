"""The second multiplication generator: held-out 3x3-digit problems whose digits are mostly high."""

from ponder.tasks import get_task
from ponder.tasks.base import split_of


def test_carrying_problems_are_held_out_three_digit_products_with_mostly_high_digits():
    task = get_task("arithmetic-carries")
    problems = task.generate(300, seed=2)
    factors = [(p.data["a"], p.data["b"]) for p in problems]
    assert all(100 <= a <= 999 and 100 <= b <= 999 for a, b in factors)
    assert all(split_of(f"{a}*{b}") == "test" for a, b in factors)
    digits = "".join(f"{a}{b}" for a, b in factors)
    assert 0.62 < sum(d in "6789" for d in digits) / len(digits) < 0.78
    assert problems == task.generate(300, seed=2) and problems != task.generate(300, seed=3)
    assert task.grade(problems[0], str(factors[0][0] * factors[0][1]))
