"""Exact solving of small perfect-information games: known values."""

import json

import pytest

from ponder.games.errors import GameError
from ponder.games.rules.openspiel import load
from ponder.games.solvers.exact import exact_values, state_after
from processes import run_cli


def test_tic_tac_toe_is_a_draw_under_perfect_play():
    assert exact_values(state_after(load("tic_tac_toe"), [])) == [0.0, 0.0]


def test_a_corner_then_an_adjacent_edge_loses_for_o():
    assert exact_values(state_after(load("tic_tac_toe"), [0, 1])) == [1.0, -1.0]


def test_hidden_information_and_illegal_histories_are_refused():
    with pytest.raises(GameError, match="hidden information"):
        exact_values(state_after(load("kuhn_poker"), []))
    with pytest.raises(GameError, match="not legal"):
        state_after(load("tic_tac_toe"), [4, 4])


def test_cli_prints_values_as_json():
    done = run_cli("games", "solve", "tic_tac_toe", "--history", "0 1", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"game": "tic_tac_toe", "history": [0, 1], "values": [1.0, -1.0]}
    bad = run_cli("games", "solve", "tic_tac_toe", "--history", "x")
    assert bad.returncode == 2 and "action ids" in bad.stderr
