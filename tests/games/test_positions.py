"""The tic-tac-toe positions test on the real game: every built-in position is what it claims (checked by the
exact solver), perfect play scores 100%, and `ponder games positions` reads and reports as documented."""

from __future__ import annotations

import json

from ponder.games.arena.positions import builtin_positions, judge, threats
from ponder.games.rules.openspiel import load
from ponder.games.solvers.exact import ExactSolver, state_after
from processes import run_cli


def test_every_fork_position_is_a_forced_win_with_no_immediate_win_and_a_fork_to_make():
    game = load("tic_tac_toe")
    solver = ExactSolver(game)
    forks = [p for p in builtin_positions() if p.kind == "fork"]
    assert len(forks) == 30 and len({p.history for p in forks}) == 30
    for position in forks:
        judged = judge(game, position.history, solver)
        state = state_after(game, position.history)
        mark = "x" if judged.mover == 0 else "o"
        assert judged.value == 1.0
        assert not any(state.child(a).is_terminal() for a in judged.moves)
        assert any(threats(str(state.child(a)).replace("\n", ""), mark) >= 2 for a in judged.best)


def test_every_save_position_has_exactly_one_move_that_does_not_lose():
    game = load("tic_tac_toe")
    solver = ExactSolver(game)
    for position in (p for p in builtin_positions() if p.kind == "save"):
        judged = judge(game, position.history, solver)
        assert len(judged.best) == 1 and judged.value >= 0
        assert sorted(v for a, v in judged.moves.items() if a not in judged.best) == [-1.0] * (len(judged.moves) - 1)


def test_perfect_play_finds_every_move_and_each_line_says_what_was_played(tmp_path):
    result = run_cli("games", "positions", "tic_tac_toe", "--player", "solver", "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 60 and all(r["best"] and r["action"] in r["best_moves"] for r in rows)
    assert {"id", "history", "board", "action", "best"} <= set(rows[0])
    assert "fork: best move in 30 of 30" in result.stderr and "save: best move in 30 of 30" in result.stderr


def test_positions_can_come_from_a_file_and_bad_ones_are_refused_clearly(tmp_path):
    given = tmp_path / "positions.jsonl"
    given.write_text(json.dumps({"id": "open", "history": [4, 0, 8]}) + "\n")
    result = run_cli("games", "positions", "tic_tac_toe", "--player", "random", "--input", str(given), "--json")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["id"] == "open" and row["kind"] == "given" and row["to_move"] == 1 and row["best_moves"] == [2, 6]
    given.write_text(json.dumps({"id": "bad", "history": [4, 4]}) + "\n")
    bad = run_cli("games", "positions", "tic_tac_toe", "--player", "random", "--input", str(given))
    assert bad.returncode != 0 and "not legal" in bad.stderr and "Traceback" not in bad.stderr
    given.write_text("{not json\n")
    bad = run_cli("games", "positions", "tic_tac_toe", "--player", "random", "--input", str(given))
    assert bad.returncode != 0 and "line 1" in bad.stderr and "Traceback" not in bad.stderr
