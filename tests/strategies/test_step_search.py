"""Search over steps (beam, DVTS, MCTS) with process verifiers, on the real embedded models."""

import asyncio
import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponder.budget import Limits
from ponder.engine import make_plan, solve
from ponder.strategies.registry import StrategyError
from ponder.tasks import get_task
from ponder.tasks.arithmetic import make_problem as multiplication
from ponder.tasks.countdown import make_problem as countdown
from ponder.embedded.steps import TINY_MULTIPLY, think_plain
from ponder.embedded.tiny import EmbeddedGenerator
from ponder.thinking.steps import Piece
from ponder.training.recipes.prm_model import chain_pieces, search_labels
from ponder.types import SamplingParams
from ponder.loading import load_prm
from ponder.verifiers.prm import ExactPRM, PartialSolution

STEP_STRATEGIES = ("beam", "dvts", "step_mcts")


@functools.cache
def tiny():
    from ponder.embedded.tiny import EmbeddedGenerator

    return EmbeddedGenerator(threads=1)


@functools.cache
def think():
    from ponder.embedded.think import EmbeddedThinkGenerator

    return EmbeddedThinkGenerator(threads=1)


def run(strategy, problem, generator, prm, limits, seed=0, **options):
    task = get_task(problem.task)
    plan = make_plan(strategy=strategy, overrides=limits, params=SamplingParams(max_tokens=64), seed=seed, options={"prm": prm, **options})
    return asyncio.run(solve(problem, task, generator, plan))


def test_ponder_think_steps_read_as_the_operations_on_the_current_path():
    problem = countdown("p", [3, 5, 7, 11], 24)
    pieces = chain_pieces("ab+=8|7 11 8;<|3 5 7 11;ca-=4|5 11 4;ba-=6|4 6;")
    assert think_plain(problem, pieces) == ["7 - 3 = 4", "11 - 5 = 6"]
    assert think_plain(problem, pieces[:1]) == ["3 + 5 = 8"]
    assert think_plain(problem, pieces[:2]) == []  # the back-up undid it
    assert think_plain(problem, pieces[:3]) == ["7 - 3 = 4"]


def test_search_labels_mark_the_path_to_a_hit_and_nothing_else():
    problem = countdown("p", [3, 5, 7, 11], 24)
    pieces = chain_pieces("ab+=8|7 11 8;<|3 5 7 11;ca-=4|5 11 4;ba-=6|4 6;ab*=24!ca-ba-ab*;")
    labels = {(p.steps, p.finished): y for p, y in search_labels(problem, pieces)}
    assert labels[((), False)] == 1.0
    assert labels[(("3 + 5 = 8",), False)] == 0.0
    assert labels[(("7 - 3 = 4", "11 - 5 = 6"), False)] == 1.0
    assert labels[(("7 - 3 = 4", "11 - 5 = 6", "4 * 6 = 24"), True)] == 1.0


def test_the_exact_prm_knows_dead_ends_wrong_steps_and_solutions():
    prm, problem = ExactPRM(), countdown("p", [3, 5, 7, 11], 24)
    hopeless = prm.judge(problem, PartialSolution(("3 + 5 = 8", "8 + 7 = 15", "15 + 11 = 26")))
    wrong = prm.judge(problem, PartialSolution(("7 - 3 = 5",)))
    alive = prm.judge(problem, PartialSolution(("7 - 3 = 4",)))
    solved = prm.judge(problem, PartialSolution(("7 - 3 = 4", "11 - 5 = 6", "4 * 6 = 24"), finished=True))
    assert (hopeless.score, hopeless.correct) == (0.0, False) and (wrong.score, wrong.correct) == (0.0, False)
    assert (alive.score, alive.correct) == (1.0, None) and (solved.score, solved.correct) == (1.0, True)
    product = multiplication("m", 123, 456)
    assert prm.judge(product, PartialSolution(("738", "6150", "49200", "= 56088"), finished=True)).correct is True
    assert prm.judge(product, PartialSolution(("738", "6150", "49200", "= 56089"), finished=True)).correct is False


def test_ponder_tiny_multiplication_is_cut_at_each_partial_product():
    problem = multiplication("m", 123, 456)
    pieces = [Piece("837+"), Piece("0516+"), Piece("00294="), Piece("88065", ended=True)]
    assert TINY_MULTIPLY.plain(problem, pieces[:2]) == ["738", "6150"]
    assert TINY_MULTIPLY.finished(problem, pieces) and not TINY_MULTIPLY.finished(problem, pieces[:3])
    assert TINY_MULTIPLY.completion(problem, pieces) == "738 + 6150 + 49200 = 56088"
    assert EmbeddedGenerator.capabilities.steps_for("arithmetic") is TINY_MULTIPLY


@pytest.mark.parametrize("strategy", STEP_STRATEGIES)
def test_step_search_with_the_exact_prm_solves_products_it_has_verified(strategy):
    problems = get_task("arithmetic").generate(8, seed=3)
    results = [run(strategy, p, tiny(), ExactPRM(), Limits(max_candidates=8), seed=i) for i, p in enumerate(problems)]
    solved = [(p, r) for p, r in zip(problems, results) if r.stop_reason == "solved"]
    assert len(solved) >= 5
    assert all(r.answer == str(p.data["a"] * p.data["b"]) for p, r in solved)
    assert all(r.usage.steps > 0 and r.usage.candidates == 0 and r.usage.verifier_calls > 0 for r in results)


def test_beam_with_ponder_think_reaches_countdown_targets_through_its_calculator():
    problems = get_task("countdown-reachable").generate(8, seed=0)
    results = [run("beam", p, think(), ExactPRM(), Limits(max_candidates=16), seed=i) for i, p in enumerate(problems)]
    solved = [(p, r) for p, r in zip(problems, results) if r.stop_reason == "solved"]
    assert solved and all(get_task(p.task).grade(p, r.answer) for p, r in solved)
    assert all(r.usage.tool_tokens > 0 for r in results)  # the calculator's output is charged


def test_the_learned_prm_is_charged_the_tokens_it_reads():
    from ponder.embedded.prm import encode

    prm = load_prm("learned")
    problem = get_task("arithmetic").generate(1, seed=4)[0]
    result = run("beam", problem, tiny(), prm, Limits(max_candidates=4))
    assert result.usage.verifier_calls > 0
    assert result.usage.verifier_tokens >= result.usage.verifier_calls * len(encode(problem, PartialSolution(())))
    assert all(0.0 <= c.verdict.score <= 1.0 for c in result.candidates)


def test_step_strategies_refuse_to_run_without_a_process_verifier():
    with pytest.raises(StrategyError, match="process verifier"):
        make_plan(strategy="beam")
    with pytest.raises(StrategyError, match="takes no option"):
        make_plan(strategy="best_of_n", options={"prm": ExactPRM()})
    with pytest.raises(StrategyError, match="beam_width"):
        make_plan(strategy="dvts", options={"prm": ExactPRM(), "beam_width": 0})


@functools.cache
def prms():
    return {"exact": ExactPRM(), "learned": load_prm("learned")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    strategy=st.sampled_from(STEP_STRATEGIES),
    prm=st.sampled_from(["exact", "learned"]),
    task=st.sampled_from(["arithmetic", "countdown-reachable"]),
    tokens=st.integers(1, 400),
    calls=st.one_of(st.none(), st.integers(1, 12)),
    candidates=st.integers(1, 16),
    seed=st.integers(0, 1000),
)
def test_step_search_never_spends_more_than_its_budget(strategy, prm, task, tokens, calls, candidates, seed):
    problem = get_task(task).generate(1, seed=seed)[0]
    generator = tiny() if task == "arithmetic" else think()
    result = run(strategy, problem, generator, prms()[prm], Limits(max_candidates=candidates, max_tokens=tokens, max_calls=calls), seed=seed)
    usage = result.usage
    assert usage.completion_tokens + usage.verifier_tokens <= tokens
    assert calls is None or usage.calls <= calls
    assert result.stop_reason in ("solved", "done", "budget")


def test_an_llm_grades_steps_over_http_and_is_charged_what_it_reads_and_writes(scripted_backend):
    from ponder.verifiers.llm_prm import MAX_GRADE_TOKENS, LLMPRM

    prm = LLMPRM("say-7", scripted_backend.base_url)
    problem = get_task("arithmetic").generate(1, seed=4)[0]
    result = run("beam", problem, tiny(), prm, Limits(max_candidates=2, max_tokens=3000))
    usage = result.usage
    assert usage.verifier_calls > 0 and usage.completion_tokens + usage.verifier_tokens <= 3000
    assert all(c.verdict.score == 0.7 for c in result.candidates)
    bound = prm.cost_bound(problem, PartialSolution(()))
    assert usage.verifier_tokens >= usage.verifier_calls * (bound - MAX_GRADE_TOKENS)  # the prompt is charged at its bound


def test_a_backend_that_cannot_continue_a_message_gets_the_partial_solution_in_the_prompt(scripted_backend):
    from ponder.generators.openai_http import OpenAIGenerator
    from ponder.types import Message

    generator = OpenAIGenerator("say-12 + 3 = 15\nso 15", scripted_backend.base_url, max_retries=0)
    asked = [Message("user", "What is 2 × 3?"), Message("assistant", "Let me see.\n")]
    generation = asyncio.run(generator.continue_final(asked, 2, SamplingParams(), stop=("\n",), include_stop=True))
    assert generator.continues_natively is False  # the scripted backend refuses continue_final_message, as api.openai.com does
    assert [c.text for c in generation.completions] == ["12 + 3 = 15\n"] * 2
    assert all(c.completion_tokens >= len("12 + 3 = 15\nso 15".split()) for c in generation.completions)  # all it wrote
    problem = get_task("countdown").generate(1, seed=4)[0]
    result = run("beam", problem, generator, ExactPRM(), Limits(max_candidates=2, max_tokens=500))
    assert result.usage.steps > 0 and result.usage.completion_tokens <= 500


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(strategy=st.sampled_from(STEP_STRATEGIES), tokens=st.integers(1, 2500), candidates=st.integers(1, 8), seed=st.integers(0, 1000))
def test_step_search_with_an_llm_prm_never_spends_more_than_its_budget(scripted_backend, strategy, tokens, candidates, seed):
    from ponder.verifiers.llm_prm import LLMPRM

    problem = get_task("arithmetic").generate(1, seed=seed)[0]
    result = run(strategy, problem, tiny(), LLMPRM("say-6", scripted_backend.base_url), Limits(max_candidates=candidates, max_tokens=tokens), seed=seed)
    assert result.usage.completion_tokens + result.usage.verifier_tokens <= tokens


def test_a_step_back_to_an_earlier_state_is_left_to_the_search():
    import random

    from ponder.budget import Budget
    from ponder.strategies.base import Run
    from ponder.strategies.step_search import Node, StepSearch
    from ponder.testing import ScriptedGenerator

    problem = countdown("p", [3, 5, 7, 11], 24)
    from ponder.embedded.think import EmbeddedThinkGenerator

    # ponder-think's step language, declared as the embedded model declares it: its calculator answers
    generator = ScriptedGenerator(["ca-", "<", "ab+"], name="ponder-think", capabilities=EmbeddedThinkGenerator.capabilities)
    run = Run(problem, "beam", generator, Budget(Limits(max_candidates=4)), get_task("countdown").extract, rng=random.Random(0))
    search = StepSearch(run, ExactPRM())
    first = asyncio.run(search.expand(Node(), 1))
    assert [search.partial(n).steps for n in first] == [("7 - 3 = 4",)]
    second = asyncio.run(search.expand(first[0], 2))  # '<' would go back to the start: dropped; 'ab+' combines 5 and 11
    assert [search.partial(n).steps for n in second] == [("7 - 3 = 4", "5 + 11 = 16")]
    assert run.budget.usage.steps == 3  # the dropped step was generated, so it is charged
