"""Every reader of untrusted text — a user's statement, a model's reply, a reference answer — returns in
bounded time on adversarial input. The bounds are far above what the readers take now (milliseconds) and
far below what the earlier ones took: a 24-digit statement 15 s and a 40-digit one days (exponential
backtracking), 20,000 digits 9 s (quadratic search), `9**9**8` forever (sympy computed the power)."""

import asyncio
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponder.tasks import arithmetic, countdown
from ponder.tasks.base import ProblemError
from ponder.tasks.text import problem_from_text
from ponder.types import Problem
from ponder.verifiers.bounded_math import TooLarge, same_value, value_of
from ponder.verifiers.countdown import check
from ponder.verifiers.math_answer import MathAnswerVerifier, compare, equivalent, extract_final_answer
from ponder.verifiers.prm import countdown_progress

BOUND = 1.0  # seconds for any one reader on any input below


def _statement(text: str) -> None:
    try:
        problem_from_text(text)
    except ProblemError:
        pass


READERS = {
    "countdown statement": countdown.parse_statement,
    "multiplication statement": arithmetic.parse_statement,
    "statement in words": _statement,
    "countdown expression": countdown.extract,
    "final answer": extract_final_answer,
    "math equivalence": lambda text: compare(text, "3"),
    "countdown checker": lambda text: check([3, 5, 7, 11], 24, text),
    "process verifier step": lambda text: countdown_progress([3, 5, 7, 11], 24, [text]),
}
ADVERSARIAL = {
    "24 digits after 'numbers'": "numbers 111111111111111111111111!",
    "40 digits after 'numbers'": "Use the numbers " + "1" * 40 + "!",
    "20,000 digits": "1" * 20_000,
    "a long list that never names a target": "numbers " + "1, " * 10_000,
    "digits around a times sign": "9" * 10_000 + " x " + "9" * 10_000,
    "a long operation run": "1" * 10_000 + "+" + "1" * 10_000 + "=",
    "nested brackets": "(" * 10_000 + "1" + ")" * 10_000,
    "operators with no digit": "-" * 20_000,
    "an exponent bomb": "#### 9**9**8",
    "a tower of powers": "#### " + "9**" * 30 + "9",
    "a huge square root": "#### sqrt(" + "9" * 90 + ")",
    "unicode digits": "numbers " + "٣" * 20_000 + " to make " + "٤" * 5_000,
    "repeated answer markers": "the answer is " * 5_000,
    "unclosed boxes": "\\boxed{" * 5_000,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_every_reader_returns_in_bounded_time_on_adversarial_text(name):
    text = ADVERSARIAL[name]
    for reader_name, reader in READERS.items():
        started = time.perf_counter()
        reader(text)
        assert time.perf_counter() - started < BOUND, f"{reader_name} on {name}"


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="0123456789٣ ,.x*×^()+-/=#andnumbersmaketo\\{}", max_size=4_000))
def test_no_reader_fails_or_stalls_on_any_mix_of_digits_and_operators(text):
    for reader_name, reader in READERS.items():
        started = time.perf_counter()
        reader(text)
        assert time.perf_counter() - started < BOUND, reader_name


def test_an_exponent_bomb_is_scored_unverifiable_at_once():
    problem = Problem(id="p", task="jsonl", prompt="?", data={"answer": "3"})
    started = time.perf_counter()
    verdict = asyncio.run(MathAnswerVerifier().verify(problem, extract_final_answer("#### 9**9**8"), "#### 9**9**8"))
    assert time.perf_counter() - started < BOUND
    assert verdict.correct is None and verdict.score == 0.0 and "cannot be checked" in verdict.feedback
    assert compare("3", "9**9**8") is None and equivalent("9**9**8", "9**9**8") is True  # the same text needs no value
    with pytest.raises(TooLarge):
        value_of("(9**9999)**9999")


def test_numbers_past_pythons_int_conversion_limit_are_not_read_as_problems():
    huge = "9" * 5_000
    assert countdown.parse_statement(f"Use the numbers 3, {huge} and 7 to make 24.") is None
    assert arithmetic.parse_statement(f"What is {huge} × 3?") is None
    assert compare(huge, "1") is False and extract_final_answer(f"#### {huge}") == huge


@pytest.mark.parametrize("a, b, same", [
    ("2*sqrt(2)", "sqrt(8)", True), ("0.1+0.2", "0.3", True), ("2^10", "1024", True), ("2**-3", "0.125", True),
    ("pi", "3.14159", False), ("sqrt(16)/2", "2", True), ("1/3", "0.333333", False), ("(1+2)*3", "9", True),
])
def test_bounded_values_have_known_answers(a, b, same):
    assert same_value(value_of(a), value_of(b)) is same


def test_statements_read_as_before():
    assert countdown.parse_statement("Use the numbers 3, 5, 7 and 11 to make 24.") == ([3, 5, 7, 11], 24)
    assert countdown.parse_statement("the numbers 25, 4, 7 & 3, to reach 100") == ([25, 4, 7, 3], 100)
    assert arithmetic.parse_statement("What is 482 multiplied by 913?") == (482, 913)
    assert arithmetic.parse_statement("and 12 X 34") == (12, 34)
    assert countdown.extract("Answer: (7-3)*(11-5) = 24") == "(7-3)*(11-5)"
