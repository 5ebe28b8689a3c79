"""CFR+ and exact best response against known answers and against OpenSpiel's own algorithms."""

import json

import numpy as np
import pyspiel
import pytest
from open_spiel.python import policy as openspiel_policy
from open_spiel.python.algorithms import exploitability as openspiel_exploitability

from ponder.games.solvers.cfr import run_cfr_plus
from ponder.games.errors import GameError
from ponder.games.solvers.passes import exploitability, game_value
from ponder.games.rules.tree import build, policy_dict, uniform_policy
from processes import run_cli

KUHN_VALUE = -1 / 18
LEDUC_VALUE = -0.085606424078


def test_cfr_plus_reaches_kuhn_value():
    tree = build("kuhn_poker")
    solution = run_cfr_plus(tree, 1000)
    assert abs(game_value(tree, solution.average) - KUHN_VALUE) < 1e-3
    assert exploitability(tree, solution.average) <= 1e-3


def test_cfr_plus_reaches_leduc_value():
    tree = build("leduc_poker")
    solution = run_cfr_plus(tree, 1000)
    assert abs(game_value(tree, solution.average) - LEDUC_VALUE) < 1e-3
    assert exploitability(tree, solution.average) <= 1e-3


@pytest.mark.parametrize("game", ["kuhn_poker", "leduc_poker"])
def test_best_response_matches_openspiel_on_the_uniform_policy(game):
    tree = build(game)
    theirs = openspiel_exploitability.exploitability(pyspiel.load_game(game), openspiel_policy.UniformRandomPolicy(pyspiel.load_game(game)))
    assert exploitability(tree, uniform_policy(tree)) == pytest.approx(theirs, abs=1e-12)


def test_exported_policy_is_checked_by_openspiel(tmp_path):
    out = tmp_path / "kuhn.json"
    done = run_cli("games", "cfr", "kuhn_poker", "--iterations", "500", "--json", "--policy-out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) == {"game", "iterations", "seconds", "iterations_per_second", "values", "exploitability"}
    game = pyspiel.load_game("kuhn_poker")
    tabular = openspiel_policy.TabularPolicy(game)
    for key, actions in json.loads(out.read_text()).items():
        row = tabular.policy_for_key(key)
        for action, probability in actions.items():
            row[int(action)] = probability
    assert openspiel_exploitability.exploitability(game, tabular) == pytest.approx(report["exploitability"], abs=1e-9)
    assert report["values"][0] == pytest.approx(KUHN_VALUE, abs=1e-3)


def test_policy_rows_are_distributions_over_legal_actions():
    tree = build("leduc_poker")
    average = run_cfr_plus(tree, 50).average
    assert np.allclose(average.sum(axis=1), 1.0) and np.all(average[~tree.legal] == 0)
    assert len(policy_dict(tree, average)) == tree.num_infosets == 936


def test_games_that_are_not_two_player_zero_sum_are_refused():
    with pytest.raises(GameError, match="two-player zero-sum"):
        build("kuhn_poker(players=3)")
    with pytest.raises(GameError, match="unknown game"):
        build("leduc")
