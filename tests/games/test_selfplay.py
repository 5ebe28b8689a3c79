"""Self-play in real general-sum matrix games settles on conventions: sometimes the worse one, and not the same
one run to run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ponder.games.solvers.selfplay import cross_play, payoff_tables, regret_matching
from processes import run_cli


def test_the_prisoners_dilemma_always_settles_on_mutual_defection():
    a, b, names = payoff_tables("matrix_pd")
    assert names == ["Cooperate", "Defect"]
    for seed in range(5):
        run = regret_matching(a, b, 1000, seed)
        assert run.policies[0][1] == pytest.approx(1.0) and run.returns == pytest.approx((1.0, 1.0))  # not 5 each


def test_stag_hunt_self_play_sometimes_settles_on_hare_and_coordination_conventions_do_not_transfer():
    a, b, _ = payoff_tables("matrix_sh")
    returns = [regret_matching(a, b, 2000, seed).returns for seed in range(20)]
    assert set(returns) == {(2.0, 2.0), (1.0, 1.0)}  # every run settles on a pure convention, some on the worse one
    a, b, _ = payoff_tables("matrix_coordination")
    runs = [regret_matching(a, b, 2000, seed) for seed in range(20)]
    table = cross_play(a, b, runs)
    assert np.trace(table) / 20 == pytest.approx(2.0)  # each run coordinates with itself
    assert (table.sum() - np.trace(table)) / 380 < 1.5  # but not with runs that chose the other side


def test_selfplay_cli_reports_conventions_and_refuses_games_that_are_not_matrix_games():
    result = run_cli("games", "selfplay", "matrix_sh", "--seeds", "8", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert sum(report["settled"].values()) == 8 and report["self_play_total"] <= 4.0
    bad = run_cli("games", "selfplay", "tic_tac_toe")
    assert bad.returncode == 2 and "matrix game" in bad.stderr and "Traceback" not in bad.stderr
