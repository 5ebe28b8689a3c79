"""piKL's regularized policy: the closed form maximises EV − λ·KL, and the player moves between pure
search (λ → 0) and its anchor (λ → ∞) on real tic-tac-toe."""

from __future__ import annotations

import asyncio
import math
import random

import pyspiel
from hypothesis import given, settings
from hypothesis import strategies as st

from ponder.budget import SearchLimits
from ponder.games.players.pikl import PiKLPlayer
from ponder.games.players.uniform import RandomPlayer
from ponder.games.solvers.pikl import kl_divergence, regularized_policy
from ponder.games.players.registry import load_player

TTT = pyspiel.load_game("tic_tac_toe")


def objective(policy, values, anchor, lam):
    return sum(policy[a] * values[a] for a in values) - lam * kl_divergence(policy, anchor)


@settings(max_examples=200)
@given(
    values=st.lists(st.floats(-1, 1), min_size=2, max_size=6),
    weights=st.lists(st.floats(0.01, 1), min_size=6, max_size=6),
    other=st.lists(st.floats(0.0, 1), min_size=6, max_size=6),
    lam=st.floats(0.01, 10),
)
def test_the_closed_form_beats_every_other_policy_on_the_regularized_objective(values, weights, other, lam):
    actions = range(len(values))
    q = dict(zip(actions, values))
    anchor = {a: weights[a] / sum(weights[: len(values)]) for a in actions}
    best = regularized_policy(q, anchor, lam)
    assert math.isclose(sum(best.values()), 1.0)
    total = sum(other[: len(values)]) or 1.0
    rival = {a: other[a] / total for a in actions} if sum(other[: len(values)]) else anchor
    assert objective(best, q, anchor, lam) >= objective(rival, q, anchor, lam) - 1e-9


def test_lambda_zero_is_search_and_a_huge_lambda_is_the_anchor():
    q = {0: 0.0, 1: 1.0, 2: 0.5}
    anchor = {0: 0.7, 1: 0.1, 2: 0.2}
    assert regularized_policy(q, anchor, 0.0) == {0: 0.0, 1: 1.0, 2: 0.0}
    far = regularized_policy(q, anchor, 1e6)
    assert all(math.isclose(far[a], anchor[a], rel_tol=1e-4) for a in q)


def test_pikl_with_a_small_lambda_takes_the_winning_move_and_with_a_large_one_follows_its_anchor():
    state = TTT.new_initial_state()
    for action in (0, 3, 1, 4):  # x wins at 2
        state.apply_action(action)
    sharp = PiKLPlayer(SearchLimits(steps=500), RandomPlayer(), lam=0.01)
    loose = PiKLPlayer(SearchLimits(steps=500), RandomPlayer(), lam=1000.0)
    policy = asyncio.run(sharp.distribution(state, 0, random.Random(0)))
    assert policy[2] > 0.99
    spread = asyncio.run(loose.distribution(state, 0, random.Random(0)))
    assert max(spread.values()) < 0.21  # close to uniform (0.2) over the five empty squares
    move = asyncio.run(sharp.act(state, 0, random.Random(1)))
    assert move.action == 2 and move.info["simulations"] <= 500 and move.info["kl_to_anchor"] > 1.0


def test_pikl_spec_takes_a_nested_anchor_spec():
    player = load_player("pikl:32?lambda=0.5&anchor=mcts:8?name=anchor", "tic_tac_toe", TTT)
    assert player.lam == 0.5 and player.anchor.name == "anchor" and player.limits.steps == 32
