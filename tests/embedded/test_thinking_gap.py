"""Thinking longer pays on the real embedded model (seeded, held-out problems never trained on)."""

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponder.budget import Limits
from ponder.engine import Plan, solve, solve_all
from ponder.strategies import STRATEGIES, get_spec, get_strategy
from ponder.tasks import get_task
from ponder.types import SamplingParams
from ponder.verifiers.prm import ExactPRM

pytestmark = pytest.mark.slow


def accuracy(embedded, task_name, strategy, candidates, problems=100, seed=4242):
    """Accuracy of the real engine solving held-out problems (sampled at temperature 1)."""
    task = get_task(task_name)
    plan = Plan(strategy=strategy, limits=Limits(max_candidates=candidates), params=SamplingParams(max_tokens=48), seed=seed)

    async def run():
        return [outcome.correct async for outcome in solve_all(task.generate(problems, seed), task, embedded, plan)]

    return sum(map(bool, asyncio.run(run()))) / problems


def test_best_of_64_with_the_checker_beats_a_single_answer_by_30_points(embedded):
    single, best = accuracy(embedded, "countdown", "single", 1), accuracy(embedded, "countdown", "best_of_n", 64)
    assert 0.10 <= single <= 0.60 and best >= single + 0.30


def test_majority_of_16_beats_a_single_multiplication_answer(embedded):
    single, vote = accuracy(embedded, "arithmetic", "single", 1), accuracy(embedded, "arithmetic", "majority", 16)
    assert 0.20 <= single <= 0.70 and vote >= single + 0.05


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    strategy=st.sampled_from(sorted(s for s in STRATEGIES if get_spec(s).verifier != "runs")),  # code strategies run code
    max_candidates=st.one_of(st.none(), st.integers(1, 40)),
    max_tokens=st.one_of(st.none(), st.integers(1, 300)),
    max_calls=st.one_of(st.none(), st.integers(1, 5)),
    task_name=st.sampled_from(["countdown", "arithmetic"]),
)
def test_real_solves_never_exceed_their_budget(embedded, strategy, max_candidates, max_tokens, max_calls, task_name):
    task = get_task(task_name)
    limits = Limits(max_candidates=max_candidates, max_tokens=max_tokens, max_calls=max_calls)
    options = {"prm": ExactPRM()} if get_strategy(strategy).searches_steps else {}
    plan = Plan(strategy=strategy, limits=limits, params=SamplingParams(max_tokens=40), batch_size=8, options=options)
    result = asyncio.run(solve(task.generate(1, seed=11)[0], task, embedded, plan))
    usage = result.usage
    assert max_candidates is None or usage.candidates <= max_candidates
    assert max_tokens is None or usage.completion_tokens + usage.verifier_tokens <= max_tokens
    assert max_calls is None or usage.calls <= max_calls
    assert usage.candidates == (0 if options else len(result.candidates))  # a step search's candidates are its finished solutions
