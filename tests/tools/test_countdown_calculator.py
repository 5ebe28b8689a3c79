"""The countdown search language: the calculator, answers, the teacher's traces, the evaluation generator."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ponder.tasks.countdown_reachable import reachable_targets, values_by_subset
from ponder.tools.countdown_calculator import CountdownCalculator, parse_prompt, render_answer, think_prompt
from ponder.training.recipes.search_traces import random_walk_instance, teacher_trace, thought_text
from ponder.verifiers.countdown import check


def test_the_calculator_shows_results_states_checks_hits_and_backups():
    session = CountdownCalculator().session("T3 5 7 11>24:")
    assert session.respond("a") is None and session.respond("ab") is None  # not a whole call yet
    assert session.respond("ca-") == "=4|5 11 4;"
    assert session.respond("ba-") == "=6|4 6;"
    assert session.respond("ab+") == "=10;"  # two numbers left: a check, the state stays
    assert session.respond("ab*") == "=24!ca-ba-ab*;"  # the target, with the operations that reached it
    assert session.respond("<") == "|5 11 4;" and session.respond("<") == "|3 5 7 11;"
    assert session.respond("<") == "|3 5 7 11;"  # the root stays
    assert session.respond("aa+") == "=?;" and session.respond("ab/") == "=?;" and session.respond("xyz") == "=?;"


def test_answers_render_as_ordinary_expressions():
    assert render_answer([3, 5, 7, 11], "ca-ba-ab*") == "(7-3)*(11-5)"
    assert render_answer([2, 9], "ab+") == "2+9"
    assert render_answer([4, 24], "b") == "24"
    assert render_answer([3, 5], "ab-") is None and render_answer([3, 5], "ab") is None and render_answer([3, 5], "") is None
    assert parse_prompt(think_prompt([1, 2, 3], 7)) == ([1, 2, 3], 7) and parse_prompt("C1 2>3:") is None


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), noise=st.sampled_from([0.0, 0.5]))
def test_teacher_traces_replay_through_the_calculator_and_their_answers_are_right(seed, noise):
    numbers, target = random_walk_instance(random.Random(seed), None)
    pieces, answer = teacher_trace(numbers, target, random.Random(seed), noise, max_chars=100_000)
    assert answer is not None  # a random walk's target is always reachable by the integer search
    session = CountdownCalculator().session(think_prompt(numbers, target))
    for model, tool in zip(pieces[::2], pieces[1::2]):
        assert not model.by_tool and tool.by_tool and session.respond(model.text) == tool.text
    assert thought_text(pieces).endswith(f"!{answer};") or target in numbers
    assert check(numbers, target, render_answer(numbers, answer)).correct


def test_reachable_targets_are_exactly_what_two_or_more_numbers_make():
    assert reachable_targets((2, 3), 1, 10) == (1, 5, 6)
    assert 24 in reachable_targets((3, 3, 8, 8))  # 8 / (3 - 8 / 3): needs fractions on the way
    assert values_by_subset([1, 2])[0b11] >= {3, -1, 2}


def test_the_calculator_bans_repeats_and_refused_calls_but_never_backing_up():
    session = CountdownCalculator().session("T15 15 3 2>13:")
    assert session.banned("") == "ef" and session.banned("a") == "aef"  # positions past the four numbers, the same one twice
    assert session.banned("ab") == "-"  # 15 - 15 is not positive (15 / 15 = 1 is)
    session.respond("ab+")
    for call in ("ab+", "<", "ab-", "<", "ab*", "<"):
        session.respond(call)
    assert session.banned("a").startswith("ab") and session.banned("ab") == "+-*/"  # every outcome of a, b was seen
    assert "<" not in session.banned("") and session.banned("<") == ""
