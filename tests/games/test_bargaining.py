"""Negotiation in OpenSpiel's real bargaining game: fixed negotiators do what they say, information-set MCTS plays
where the state is hidden, and the arena reports agreement rates and values."""

from __future__ import annotations

import asyncio
import json
import random

import pyspiel

from ponder.games.players.bargaining import choose, read_view, worth
from ponder.games.players.registry import load_player
from processes import run_cli

GAME = pyspiel.load_game("bargaining")


def dealt(seed: int = 0) -> pyspiel.State:
    state = GAME.new_initial_state()
    rng = random.Random(seed)
    while state.is_chance_node():
        state.apply_action(rng.choice([a for a, _ in state.chance_outcomes()]))
    return state


def test_the_fair_negotiator_asks_for_half_its_worth_and_the_greedy_one_for_everything():
    state = dealt()
    pool, values, last = read_view(state.information_state_string(0))
    assert last is None
    total = worth(pool, values)
    fair = read_view("Pool: x\nMy values: x\nP0 offers: Offer: " + state.action_to_string(0, choose("fair", state, 0)).split("Offer: ")[1])[2]
    assert 2 * worth(fair, values) >= total and worth(fair, values) < total
    greedy = read_view("Pool: x\nMy values: x\nP0 offers: Offer: " + state.action_to_string(0, choose("greedy", state, 0)).split("Offer: ")[1])[2]
    assert worth(greedy, values) == total


def test_the_fair_negotiator_agrees_to_an_offer_that_leaves_it_everything_and_refuses_one_that_leaves_nothing():
    pool = read_view(dealt().information_state_string(0))[0]
    for kept, agrees in ((pool, False), ({item: 0 for item in pool}, True)):  # what the first proposer keeps
        state = dealt()
        offers = {state.action_to_string(0, a): a for a in state.legal_actions(0)}
        state.apply_action(offers["Offer: " + ", ".join(f"{item}: {n}" for item, n in kept.items())])
        assert (state.action_to_string(1, choose("fair", state, 1)) == "Agree") == agrees


def test_search_plays_where_the_state_is_hidden_and_the_arena_reports_deals(tmp_path):
    move = asyncio.run(load_player("ismcts:50", "bargaining", GAME).act(dealt(), 0, random.Random(0)))
    assert move.action in dealt().legal_actions(0) and isinstance(move.action, int)
    result = run_cli("arena", "--game", "bargaining", "--players", "style:fair,style:greedy,ismcts:50", "--games", "4", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = json.loads((tmp_path / "ratings.json").read_text())["agreement"]
    assert len(rows) == 6 and all(0 <= r["agreement_rate"] <= 1 and r["value"] >= 0 for r in rows)
    assert "Agreements" in (tmp_path / "report.html").read_text()
