"""The budget contract: no strategy ever spends more than any limit, and every strategy still returns
an answer (the best so far) when the budget runs out."""

import asyncio
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponder.budget import Budget, BudgetError, Limits, Price, effort_limits, load_effort_presets
from ponder.engine import make_plan
from ponder.strategies import STRATEGIES, get_strategy
from ponder.strategies.base import Run
from ponder.testing import AnswerKeyVerifier, FakeClock, ScriptedGenerator, ScriptedPRM
from ponder.types import Generation, Completion, Problem, SamplingParams

PROBLEM = Problem(id="p", task="fake", prompt="what is the answer?")
PRICE = Price(prompt=1.0, completion=2.0)


def optional(values):
    return st.one_of(st.none(), values)


limits_strategy = st.builds(
    Limits,
    max_candidates=optional(st.integers(1, 40)),
    max_tokens=optional(st.one_of(st.integers(1, 4), st.integers(1, 600))),  # the edge (1-4 tokens) drawn often
    max_calls=optional(st.integers(1, 12)),
    max_seconds=optional(st.floats(0.01, 5.0)),
    max_dollars=optional(st.floats(1e-5, 2e-3)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    strategy=st.sampled_from(sorted(STRATEGIES)),
    limits=limits_strategy,
    tokens=st.integers(1, 80),
    verifier_tokens=st.integers(0, 30),
    seconds_per_call=st.floats(0, 1.0),
    max_new_tokens=st.integers(1, 64),
    batch_size=st.integers(1, 16),
    supports_n=st.booleans(),
    answers=st.lists(st.sampled_from(["1", "2", "3", "x", "3."]), min_size=1, max_size=6),
)
def test_no_strategy_ever_exceeds_any_limit(
    strategy, limits, tokens, verifier_tokens, seconds_per_call, max_new_tokens, batch_size, supports_n, answers
):
    clock = FakeClock()
    generator = ScriptedGenerator(answers, tokens=tokens, seconds_per_call=seconds_per_call, clock=clock, supports_n=supports_n)
    budget = Budget(limits, clock=clock, price=PRICE, parameter_count=generator.parameter_count)
    run = Run(
        problem=PROBLEM,
        strategy=strategy,
        generator=generator,
        budget=budget,
        extract=lambda text: None if text == "x" else text,
        verifier=AnswerKeyVerifier("3", tokens=verifier_tokens),
        params=SamplingParams(max_tokens=max_new_tokens),
        rng=random.Random(0),
        batch_size=batch_size,
    )
    searches_steps = get_strategy(strategy).searches_steps
    options = {"prm": ScriptedPRM(tokens=verifier_tokens)} if searches_steps else {}
    judge = ScriptedGenerator(["A", "7", "yes", "B", "Response 2", "no"], tokens=verifier_tokens + 1, clock=clock)
    if "judge" in get_strategy(strategy).options:
        options["judge"] = judge
    result = asyncio.run(get_strategy(strategy)(run, **options))
    spent = result.usage
    if judge.calls:  # a judge's questions are verifier calls: all it read and wrote is counted there
        assert spent.verifier_calls == len(judge.calls)
        assert spent.verifier_tokens == judge.generated + judge.prompt_tokens * len(judge.calls)
    if limits.max_candidates is not None:
        assert spent.candidates <= limits.max_candidates
    if limits.max_tokens is not None:
        assert spent.completion_tokens + spent.verifier_tokens <= limits.max_tokens
    if limits.max_calls is not None:
        assert spent.calls <= limits.max_calls
    if limits.max_seconds is not None:
        assert spent.seconds <= limits.max_seconds + 1e-9
    if limits.max_dollars is not None:
        assert spent.dollars <= limits.max_dollars + 1e-12
    # Usage is honest: it is what the generator was actually asked for and returned.
    assert spent.completion_tokens == generator.generated
    if searches_steps:  # steps of partial solutions, scored by the PRM; finished ones are the candidates
        assert spent.candidates == 0 and spent.steps == sum(n for n, _ in generator.calls)
    else:
        assert spent.candidates == len(result.candidates) == sum(n for n, _ in generator.calls)
        assert spent.completion_tokens == sum(c.completion.completion_tokens for c in result.candidates)
    # Anytime: whatever was produced, an answer is chosen from it.
    if result.candidates:
        assert result.chosen is not None and result.text is not None
    else:
        assert result.stop_reason in (("budget", "done") if searches_steps else ("budget",))


def test_a_single_grant_prefers_fewer_full_length_candidates():
    budget = Budget(Limits(max_tokens=100))
    grant = budget.request(want=8, max_tokens_each=30, prompt_tokens=5)
    assert (grant.candidates, grant.max_tokens_each) == (3, 30)


def test_the_last_tokens_go_to_one_shorter_candidate():
    budget = Budget(Limits(max_tokens=20))
    grant = budget.request(want=8, max_tokens_each=30, prompt_tokens=5)
    assert (grant.candidates, grant.max_tokens_each) == (1, 20)


def test_reservations_stop_concurrent_calls_overspending():
    budget = Budget(Limits(max_candidates=10))
    first = budget.request(want=8, max_tokens_each=10, prompt_tokens=0)
    second = budget.request(want=8, max_tokens_each=10, prompt_tokens=0)
    assert (first.candidates, second.candidates) == (8, 2)
    assert budget.request(want=1, max_tokens_each=10, prompt_tokens=0) is None


def test_settling_charges_actual_spend_and_frees_the_rest():
    budget = Budget(Limits(max_tokens=100), parameter_count=10)
    grant = budget.request(want=2, max_tokens_each=50, prompt_tokens=4)
    budget.settle(grant, Generation((Completion("a", 3, "stop"), Completion("b", 7, "stop")), prompt_tokens=4))
    assert budget.usage.completion_tokens == 10 and budget.usage.flops == 2 * 10 * 14
    assert budget.request(want=1, max_tokens_each=90, prompt_tokens=0).max_tokens_each == 90


def test_a_failed_call_still_counts_its_requests():
    budget = Budget(Limits(max_calls=1))
    grant = budget.request(want=1, max_tokens_each=10, prompt_tokens=0)
    budget.settle(grant, None)
    assert budget.usage.calls == 1 and budget.exhausted


def test_invalid_limits_are_rejected_with_a_clear_error():
    with pytest.raises(BudgetError, match="max_tokens must be a positive number"):
        Limits(max_tokens=0)
    with pytest.raises(BudgetError, match="needs a price"):
        Budget(Limits(max_dollars=1.0))


def test_effort_presets_grow_with_effort_and_are_configurable(tmp_path):
    levels = ["none", "minimal", "low", "medium", "high", "xhigh", "max"]
    counts = [effort_limits(level).max_candidates for level in levels]
    assert counts == sorted(counts) and counts[0] == 1
    with pytest.raises(BudgetError, match="unknown reasoning effort 'huge'"):
        effort_limits("huge")
    path = tmp_path / "effort.json"
    path.write_text('{"high": {"max_candidates": 3, "max_seconds": 2}}')
    assert load_effort_presets(path)["high"] == Limits(max_candidates=3, max_seconds=2)
    path.write_text('{"ultra": {}}')
    with pytest.raises(BudgetError, match="unknown effort level"):
        load_effort_presets(path)


def test_plan_effort_none_answers_at_once_greedily():
    plan = make_plan(effort="none")
    assert plan.strategy == "single" and plan.params.temperature == 0 and plan.limits.max_candidates == 1
    plan = make_plan(effort="high", overrides=Limits(max_candidates=5))
    assert plan.strategy == "best_of_n" and plan.limits.max_candidates == 5 and plan.limits.max_tokens == 16 * 1024


def test_limits_capped_by_a_server_cap():
    assert Limits(max_candidates=100).capped_by(Limits(max_candidates=16, max_tokens=10)) == Limits(max_candidates=16, max_tokens=10)


def test_a_call_a_strategy_makes_for_itself_is_charged_but_is_no_candidate():
    budget = Budget(Limits(max_candidates=1, max_tokens=50))
    aside = budget.request(1, 30, 5, aside=True)
    assert aside is not None and aside.candidates == 1
    budget.settle(aside, Generation((Completion("add(1, 2)", 30, "stop"),), prompt_tokens=5))
    assert (budget.usage.candidates, budget.usage.calls, budget.usage.completion_tokens) == (0, 1, 30)
    grant = budget.request(1, 30, 5)  # the candidate still has its place, with the tokens that are left
    assert grant is not None and grant.max_tokens_each == 20
    assert budget.request(1, 30, 5, aside=True) is None  # nothing left after that reservation
