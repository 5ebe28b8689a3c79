"""The report says what it measured in words a newcomer reads: a curve hidden under another is drawn once with
both names, a thinking sweep says its thinking budget, the held-out table runs in order without repeats."""

from ponder.scaling.allocate import Point
from ponder.scaling.curves import COVERAGE, CurvePoint
from ponder.scaling.plot import same_as_coverage
from ponder.scaling.report import distinct_policies, sampling_text

SETTINGS = {"temperature": 1.0, "top_p": 1.0, "max_new_tokens": 256}


def curve(name, accuracies):
    return [CurvePoint(name, 2**i, 10.0 * 2**i, a, a - 0.1, a + 0.1) for i, a in enumerate(accuracies)]


def test_best_of_n_with_an_exact_verifier_is_coverage_and_is_drawn_once():
    curves = {"best_of_n": curve("best_of_n", [0.2, 0.4]), COVERAGE: curve(COVERAGE, [0.2, 0.4]), "majority": curve("majority", [0.2, 0.3])}
    assert same_as_coverage(curves) == ["best_of_n"]
    curves["best_of_n"] = curve("best_of_n", [0.2, 0.35])  # a scorer that is not exact: two lines
    assert same_as_coverage(curves) == []


def test_a_thinking_sweep_says_its_thinking_budget_and_the_whole_completion_length():
    assert sampling_text({**SETTINGS, "thinking_tokens": 1024}).endswith(
        "a chain of thought of at most 1,024 thinking tokens then the answer (at most 1,088 new tokens in all)")
    assert sampling_text(SETTINGS).endswith("at most 256 new tokens")


def test_the_held_out_table_is_in_order_of_target_with_each_outcome_once():
    frontier = [Point(30.0, 20.0, 0.5), Point(10.0, 9.0, 0.3), Point(20.0, 20.0, 0.5), Point(40.0, 35.0, 0.45)]
    assert [(p.target, p.cost) for p in distinct_policies(frontier)] == [(10.0, 9.0), (20.0, 20.0), (40.0, 35.0)]
