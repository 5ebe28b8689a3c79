"""Fixed strategies in the real iterated prisoner's dilemma, with the payoffs and cooperation rates they must give."""

from __future__ import annotations

import json

import pytest

from ponder.games.players.registry import load_player
from ponder.games.players.spec import PlayerError
from ponder.games.rules.openspiel import load
from processes import run_cli

IPD = "repeated_game(stage_game=matrix_pd(),num_repetitions=10)"


def test_fixed_strategies_give_their_known_cooperation_rates_and_payoffs(tmp_path):
    result = run_cli("arena", "--game", IPD, "--players", "style:tit_for_tat,style:grim,style:always_defect,style:always_cooperate",
                     "--games", "2", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = {(r["player"], r["opponent"]): r for r in json.loads((tmp_path / "ratings.json").read_text())["cooperation"]}
    tft_vs_defector = rows[("style:tit_for_tat", "style:always_defect")]
    assert tft_vs_defector["cooperation_rate"] == pytest.approx(0.1)  # cooperates once, then copies the defection
    assert tft_vs_defector["payoff_per_round"] == pytest.approx(0.9)  # 0 then nine mutual defections at 1
    assert rows[("style:always_defect", "style:tit_for_tat")]["payoff_per_round"] == pytest.approx(1.9)
    assert rows[("style:grim", "style:tit_for_tat")] == {**rows[("style:grim", "style:tit_for_tat")], "cooperation_rate": 1.0, "payoff_per_round": 5.0}
    assert rows[("style:always_defect", "style:always_cooperate")]["payoff_per_round"] == 10.0
    assert "Cooperation" in (tmp_path / "report.html").read_text()


def test_iterated_styles_refuse_other_games():
    with pytest.raises(PlayerError, match="repeated games"):
        load_player("style:tit_for_tat", "kuhn_poker", load("kuhn_poker"))
