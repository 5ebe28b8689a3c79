"""MCTS against known opponents and positions on real OpenSpiel tic-tac-toe."""

import random

import pyspiel
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from ponder.budget import BudgetError, SearchBudget, SearchLimits
from ponder.games.solvers.mcts import search
from ponder.games.solvers.exact import exact_values

GAME = pyspiel.load_game("tic_tac_toe")


def perfect_move(state, rng):
    player = state.current_player()
    values = {a: exact_values(state.child(a))[player] for a in state.legal_actions()}
    best = max(values.values())
    return rng.choice([a for a, v in values.items() if v == best])


def play(seat, opponent, simulations, seed):
    """MCTS's returns when it sits in `seat` against `opponent(state, rng)`."""
    rng = random.Random(seed)
    state = GAME.new_initial_state()
    while not state.is_terminal():
        if state.current_player() == seat:
            state.apply_action(search(state, SearchBudget(SearchLimits(steps=simulations)), rng).action)
        else:
            state.apply_action(opponent(state, rng))
    return state.returns()[seat]


@pytest.mark.slow
def test_mcts_never_loses_to_a_random_player_in_200_games():
    results = [play(seat, lambda s, r: r.choice(s.legal_actions()), 1000, seed) for seed in range(100) for seat in (0, 1)]
    assert min(results) >= 0 and sum(r > 0 for r in results) > 150


@pytest.mark.slow
def test_mcts_draws_against_perfect_play():
    results = [play(seat, perfect_move, 2000, seed) for seed in range(10) for seat in (0, 1)]
    assert results == [0.0] * 20


def test_search_proves_a_win_in_one_and_stops_early():
    state = GAME.new_initial_state()
    for action in (0, 3, 1, 4):  # X on 0 and 1, O on 3 and 4: X to move wins at 2
        state.apply_action(action)
    decision = search(state, SearchBudget(SearchLimits(steps=10_000)), random.Random(0))
    assert decision.action == 2 and decision.proven == [1.0, -1.0] and decision.simulations < 10_000


def test_the_budget_bounds_simulations_and_seconds():
    state = GAME.new_initial_state()
    assert search(state, SearchBudget(SearchLimits(steps=37)), random.Random(1)).simulations == 37
    timed = search(state, SearchBudget(SearchLimits(seconds=0.05)), random.Random(1))
    assert timed.simulations >= 1 and timed.seconds < 0.5
    with pytest.raises(BudgetError):
        SearchLimits()


@settings(max_examples=30, deadline=None)
@given(steps=st.integers(1, 300), history=st.lists(st.integers(0, 8), max_size=4, unique=True))
def test_search_never_runs_more_simulations_than_its_budget(steps, history):
    state = GAME.new_initial_state()
    for action in history:
        state.apply_action(action)
    budget = SearchBudget(SearchLimits(steps=steps))
    decision = search(state, budget, random.Random(steps))
    assert decision.simulations == budget.steps <= steps
    assert decision.action in state.legal_actions()
