"""A strategy is one module plus one registry line: everything that runs strategies picks a new one up."""

import asyncio
import random

import pytest

from ponder.engine import make_plan, solve
from ponder.games.players.llm import LLMPlayer, LLMPlayerConfig
from ponder.games.rules.openspiel import load
from ponder.scaling.analysis import analyse
from ponder.scaling.store import Store
from ponder.scaling.sweep import SweepConfig, run_sweep
from ponder.strategies.base import Run
from ponder.strategies.registry import SPECS, StrategySpec
from ponder.tasks import get_task
from ponder.testing import AnswerKeyVerifier, ScriptedGenerator
from ponder.types import Problem, Result


async def last_of_two(run: Run) -> Result:
    """A made-up strategy for the test: draw two candidates, answer with the second."""
    new = await run.sample(1) + await run.sample(1)
    return run.result(new[-1].index if new else None, "done" if new else "budget")


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(SPECS, "last_of_two", StrategySpec("last_of_two", f"{__name__}:last_of_two", "last of two"))
    return "last_of_two"


def test_every_registered_strategy_resolves_to_an_async_function():
    for spec in SPECS.values():
        assert asyncio.iscoroutinefunction(spec.load()), spec.name


def test_a_new_strategy_runs_in_the_engine(registered):
    plan = make_plan(strategy=registered, effort="low")
    task = type("Fake", (), {"extract": staticmethod(lambda text: text), "verifier": AnswerKeyVerifier("2")})()
    result = asyncio.run(solve(Problem(id="p", task="fake", prompt="q"), task, ScriptedGenerator(["1", "2"]), plan))
    assert result.strategy == registered and result.answer == "2" and len(result.candidates) == 2


def test_a_new_strategy_is_swept_per_budget_and_reported(registered, embedded, tmp_path):
    task = get_task("countdown")
    problems = task.generate(2, seed=5)
    config = SweepConfig(samples=2, strategies=("single", registered), seed=1, max_new_tokens=48)
    with Store(tmp_path / "sweep.sqlite") as store:
        summary = asyncio.run(run_sweep(config, problems, task, embedded, store))
        runs = store.runs()
        samples = [s.sample for s in store.samples([p.id for p in problems])]
    assert summary.runs_done == 2 * 2 and {(r.strategy, r.budget) for r in runs} == {(registered, 1), (registered, 2)}
    analysis = analyse(samples, runs, [p.id for p in problems], config.strategies, 2, 0, 1)
    assert registered in analysis.sequential and {p.candidates for p in analysis.points if p.strategy == registered} == {1, 2}


def test_a_new_strategy_plays_as_an_llm_players_strategy(registered):
    generator = ScriptedGenerator(["MOVE: x(0,0)", "MOVE: x(1,1)"])
    player = LLMPlayer(generator, LLMPlayerConfig(strategy=registered, candidates=2), "llm")
    state = load("tic_tac_toe").new_initial_state()
    move = asyncio.run(player.act(state, 0, random.Random(0)))
    assert move.action == 4 and move.info["strategy"] == registered and len(generator.calls) == 2

