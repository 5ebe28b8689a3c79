"""The two addition generators: reference answers that are right, and graded on the final number."""

import re

from ponder.tasks import get_task


def test_plain_sums_carry_their_sum_and_are_graded_on_the_final_number():
    task = get_task("addition")
    problems = task.generate(50, seed=1)
    for problem in problems:
        a, b = map(int, re.findall(r"\d+", problem.prompt))
        assert 10 <= a <= 99 and 10 <= b <= 99 and problem.data["answer"] == str(a + b)
    assert task.grade(problems[0], task.extract(f"The answer is {problems[0].data['answer']}."))
    assert not task.grade(problems[0], task.extract("The answer is 1000."))


def test_word_problems_state_a_sum_or_a_difference_with_its_answer():
    problems = get_task("addition-words").generate(60, seed=2)
    for problem in problems:
        a, b = map(int, re.findall(r"\d+", problem.prompt))
        expected = a - b if re.search(r"left|remain", problem.prompt) else a + b
        assert problem.data["answer"] == str(expected) and int(problem.data["answer"]) > 0
    assert len({p.prompt for p in problems}) == len(problems)
