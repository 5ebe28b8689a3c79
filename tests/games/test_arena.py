"""The arena on real OpenSpiel games: seats swapped, resumable to the identical result, replayable,
ratings with known answers, and clear errors from the CLI."""

from __future__ import annotations

import asyncio
import json
import math

import numpy as np
import pytest

from ponder.games.arena.config import ArenaConfig, scale_players
from ponder.games.arena.tournament import load_players, run_arena, schedule
from ponder.games.arena.report import write_report
from ponder.games.arena.store import STORE_NAME, ArenaStore
from ponder.games.errors import GameError
from ponder.storage import StoreError
from ponder.ratings import Result, fit, rate
from processes import run_cli


def test_bradley_terry_recovers_a_three_to_one_record_as_191_elo():
    ratings = fit(np.array([[0, 30.0], [10, 0]]), np.array([[0, 40.0], [40, 0]]), prior=0.0)
    assert ratings[1] - ratings[0] == pytest.approx(-400 * math.log10(3))


def test_equal_records_rate_equal_and_the_interval_holds_the_estimate():
    results = [Result(0, 1, s) for s in (1.0, 0.0, 0.5, 1.0, 0.0, 0.5)] + [Result(1, 2, 1.0)] * 20 + [Result(1, 2, 0.0)] * 5
    ratings = rate(3, results, resamples=300)
    assert ratings[1].elo == pytest.approx(0.0, abs=1e-6)
    assert all(r.ci_low <= r.elo <= r.ci_high for r in ratings)
    assert ratings[2].elo < -100  # player 1 beat player 2 four games in five


def test_a_clean_sweep_still_gets_a_finite_rating():
    ratings = rate(2, [Result(0, 1, 1.0)] * 10, resamples=100)
    assert math.isfinite(ratings[1].elo) and ratings[1].elo < -200


def test_every_pair_plays_both_seats_equally_with_shared_deals():
    config = ArenaConfig("kuhn_poker", ("random", "cfr:10", "cfr:100"), games=4, seed=3)
    units = schedule(config)
    assert len(units) == 3 * 4
    for first, second in ((0, 1), (0, 2), (1, 2)):
        pair = [u for u in units if (u.first, u.second) == (first, second)]
        assert sum(u.seats[0] == first for u in pair) == sum(u.seats[0] == second for u in pair) == 2
        assert pair[0].deal_seed == pair[1].deal_seed != pair[2].deal_seed


def test_an_interrupted_arena_resumes_to_the_same_games(tmp_path):
    config = ArenaConfig("tic_tac_toe", ("random", "mcts:32", "mcts:128"), games=6, seed=1)
    players = load_players(config)
    whole = asyncio.run(run_arena(config, tmp_path / "whole", players))
    assert whole.done == whole.total == 18

    def stop_after_five(progress):
        if progress.done >= 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(run_arena(config, tmp_path / "resumed", load_players(config), stop_after_five))
    with ArenaStore(tmp_path / "resumed" / STORE_NAME) as store:
        assert len(store.done()) == 5
    resumed = asyncio.run(run_arena(config, tmp_path / "resumed", load_players(config)))
    assert resumed.done == 18
    with ArenaStore(tmp_path / "whole" / STORE_NAME) as a, ArenaStore(tmp_path / "resumed" / STORE_NAME) as b:
        assert [g[3].steps for g in a.games()] == [g[3].steps for g in b.games()]
    with pytest.raises(StoreError, match="other settings"):
        asyncio.run(run_arena(ArenaConfig("tic_tac_toe", ("random", "mcts:32"), games=6, seed=1), tmp_path / "whole", players[:2]))


def test_more_games_on_a_stored_arena_play_only_the_new_rounds_and_equal_a_fresh_run(tmp_path):
    players = ("random", "cfr:10", "cfr:30")
    grown = tmp_path / "grown"
    first = asyncio.run(run_arena(ArenaConfig("kuhn_poker", players, games=2, seed=4), grown, load_players(ArenaConfig("kuhn_poker", players))))
    assert first.done == first.total == 6
    calls = []
    more = asyncio.run(run_arena(ArenaConfig("kuhn_poker", players, games=5, seed=4), grown, load_players(ArenaConfig("kuhn_poker", players)),
                                 calls.append))
    assert more.done == more.total == 15 and calls[0].done == 6  # the stored six were not replayed
    fresh = tmp_path / "fresh"
    asyncio.run(run_arena(ArenaConfig("kuhn_poker", players, games=5, seed=4), fresh, load_players(ArenaConfig("kuhn_poker", players))))
    with ArenaStore(grown / STORE_NAME) as a, ArenaStore(fresh / STORE_NAME) as b:
        assert [(g[:3], g[3].returns) for g in a.games()] == [(g[:3], g[3].returns) for g in b.games()]
    with ArenaStore(grown / STORE_NAME) as store:  # failed attempts: one since played, one in round 3 never played
        store.add_failure(0, 1, 0, "RuntimeError: backend down")
        store.add_failure(0, 1, 3, "RuntimeError: backend down")
        with store.db:
            store.db.execute("DELETE FROM games WHERE first = 0 AND second = 1 AND round = 3")
    fewer = write_report(ArenaConfig("kuhn_poker", players, games=2, seed=4), grown)
    assert sum(sum(pair[:3]) for pair in fewer.pairs.values()) == 2 * 6  # each game seen from both sides, first two rounds
    assert fewer.failures == 0  # the failed game of round 0 was played since; round 3 is beyond the two asked for
    assert write_report(ArenaConfig("kuhn_poker", players, games=5, seed=4), grown).failures == 1


def test_search_beats_random_in_the_arena_report(tmp_path):
    config = ArenaConfig("tic_tac_toe", ("random", "mcts:200"), games=20, seed=0)
    asyncio.run(run_arena(config, tmp_path, load_players(config)))
    analysis = write_report(config, tmp_path)
    wins, draws, losses, _ = analysis.pairs[(1, 0)]
    assert losses == 0 and wins >= 15
    assert analysis.ratings[1].ci_low > 0
    ratings = json.loads((tmp_path / "ratings.json").read_text())
    assert [p["name"] for p in ratings["players"]] == ["random", "mcts:200"]
    report = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in report and "mcts:200" in report
    assert len((tmp_path / "replays.jsonl").read_text().splitlines()) == 20


def test_scale_spec_expands_to_one_player_per_budget():
    assert scale_players("mcts:1,4,16?c=1") == (["mcts:1?c=1", "mcts:4?c=1", "mcts:16?c=1"], [1.0, 4.0, 16.0])
    with pytest.raises(GameError):
        scale_players("mcts:8")


def test_arena_cli_scale_run_replay_and_tampering(tmp_path):
    out = tmp_path / "scale"
    result = run_cli("arena", "--game", "tic_tac_toe", "--scale", "mcts:1,64", "--games", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "mcts:64" in result.stdout and "report:" in result.stdout
    ratings = json.loads((out / "ratings.json").read_text())
    assert [p["budget"] for p in ratings["players"]] == [1.0, 64.0]
    again = run_cli("arena", "--game", "tic_tac_toe", "--scale", "mcts:1,64", "--games", "4", "--out", str(out))
    assert again.returncode == 0 and json.loads((out / "ratings.json").read_text()) == ratings  # resumed: nothing new
    shown = run_cli("arena", "replay", str(out), "--index", "1")
    assert shown.returncode == 0 and "game 1: tic_tac_toe" in shown.stdout and "returns:" in shown.stdout
    lines = (out / "replays.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["steps"][1] = record["steps"][0]  # play on an occupied square
    (tmp_path / "bad.jsonl").write_text(json.dumps(record) + "\n")
    bad = run_cli("arena", "replay", str(tmp_path / "bad.jsonl"))
    assert bad.returncode == 2 and "not legal" in bad.stderr and "Traceback" not in bad.stderr


def test_iterated_prisoners_dilemma_plays_simultaneous_rounds(tmp_path):
    game = "repeated_game(stage_game=matrix_pd(),num_repetitions=5)"
    result = run_cli("arena", "--game", game, "--players", "random,llm:embedded?mode=listed&retries=0", "--games", "2", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in (tmp_path / "replays.jsonl").read_text().splitlines()]
    assert all(len(r["steps"]) == 5 and all(len(step) == 2 for step in r["steps"]) for r in records)
    assert all(m["move"] in ("Cooperate", "Defect") for r in records for m in r["moves"])
    shown = run_cli("arena", "replay", str(tmp_path))
    assert shown.returncode == 0 and "fallback: random" in shown.stdout


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--game", "kuhn_poker", "--players", "random,mcts:10"], "perfect-information"),
        (["--game", "tic_tac_toe", "--players", "random,wizard"], "unknown player 'wizard'"),
        (["--game", "tic_tac_toe", "--players", "random,random"], "names must differ"),
        (["--game", "tic_tac_toe", "--players", "random,llm:embedded?mode=shout"], "mode must be one of"),
        (["--game", "no_such_game", "--players", "random,random?name=b"], "unknown game"),
        (["--game", "tic_tac_toe"], "either --players"),
        (["--game", "tic_tac_toe", "--players", "random,mcts:abc"], "mcts:abc"),
    ],
)
def test_arena_cli_rejects_bad_input_in_one_line(tmp_path, arguments, message):
    result = run_cli("arena", *arguments, "--out", str(tmp_path))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
