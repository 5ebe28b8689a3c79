"""LLM players: move parsing, legality modes, the invalid-move policy and the per-move budget, first with
scripted replies (pure control flow), then end to end against a real `ponder serve` of the embedded model."""

from __future__ import annotations

import asyncio
import random

import pyspiel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ponder.games.arena.exploit import exploitability_of
from ponder.games.players.llm import LLMPlayer, LLMPlayerConfig, parse_move, render_prompt
from ponder.games.rules.openspiel import load
from ponder.games.arena.play import play_game, replay_states
from ponder.games.players.registry import load_player
from ponder.testing import ScriptedGenerator
from ponder.types import SamplingParams

TTT = pyspiel.load_game("tic_tac_toe")


def act(player, state, seed=0):
    return asyncio.run(player.act(state, state.current_player(), random.Random(seed)))


def test_parse_move_reads_the_committed_move_and_ignores_case_and_spacing():
    names = {"Pass": 0, "Bet": 1}
    assert parse_move("I hold the king.\nMOVE: bet", names) == "Bet"
    assert parse_move("MOVE: Pass\nno wait\nMOVE: `Bet`", names) == "Bet"
    assert parse_move("Bet", names) == "Bet"
    assert parse_move("1", names) == "Bet"
    assert parse_move("MOVE: raise", names) is None


def test_listed_mode_lists_legal_moves_and_none_mode_does_not():
    state = TTT.new_initial_state()
    state.apply_action(4)
    legal = [state.action_to_string(1, a) for a in state.legal_actions()]
    listed = render_prompt(state, 1, "listed", legal)
    assert "Legal moves: o(0,0), o(0,1)" in listed and "o(1,1)" not in listed.split("Legal moves:")[1]
    assert "Legal moves" not in render_prompt(state, 1, "none", legal)
    assert "CHECK:" in render_prompt(state, 1, "tool", legal)


def test_an_illegal_move_is_counted_and_retried_with_feedback():
    state = TTT.new_initial_state()
    state.apply_action(4)  # x took the centre; o tries it too, then plays a corner
    generator = ScriptedGenerator(["MOVE: o(1,1)", "MOVE: o(0,0)"])
    move = act(LLMPlayer(generator, LLMPlayerConfig(), "llm"), state)
    assert move.action == 0
    assert move.info["attempts"] == 2 and move.info["invalid"] == 1 and move.info["fallback"] is None
    assert "o(1,1) is not a legal move here" in generator.conversations[1][-1].content


def test_every_attempt_invalid_falls_back_to_a_random_legal_move_and_says_so():
    state = TTT.new_initial_state()
    generator = ScriptedGenerator(["I like turtles"])
    move = act(LLMPlayer(generator, LLMPlayerConfig(retries=2), "llm"), state)
    assert move.action in state.legal_actions()
    assert move.info["attempts"] == 3 and move.info["invalid"] == 3 and move.info["fallback"] == "random"


def test_forfeit_policy_ends_the_game_with_a_loss():
    game = load("tic_tac_toe")
    forfeiter = LLMPlayer(ScriptedGenerator(["no idea"]), LLMPlayerConfig(retries=0, invalid="forfeit"), "llm")
    random_player = load_player("random", "tic_tac_toe", game)
    record = asyncio.run(play_game(game, "tic_tac_toe", [random_player, forfeiter], 1, (2, 3)))
    assert record.forfeit == 1 and record.returns == (1.0, -1.0)
    assert record.moves[-1]["fallback"] == "forfeit" and record.moves[-1]["action"] is None
    replay_states(game, record)  # a forfeit record still replays


def test_tool_mode_answers_a_check_then_takes_the_committed_move():
    state = TTT.new_initial_state()
    generator = ScriptedGenerator(["CHECK: x(2,2)", "MOVE: x(2,2)"])
    move = act(LLMPlayer(generator, LLMPlayerConfig(mode="tool"), "llm"), state)
    assert move.action == 8 and move.info["checks"] == 1 and move.info["invalid"] == 0
    assert generator.conversations[1][-1].content == "x(2,2) is legal."


def test_best_of_n_with_the_legality_verifier_picks_a_legal_candidate():
    state = TTT.new_initial_state()
    state.apply_action(0)
    generator = ScriptedGenerator(["MOVE: o(0,0)", "MOVE: o(2,2)"])  # the first is taken
    config = LLMPlayerConfig(strategy="best_of_n", candidates=2)
    move = act(LLMPlayer(generator, config, "llm"), state)
    assert move.action == 8 and move.info["invalid"] == 0 and move.info["illegal_candidates"] == 1


def test_search_assisted_checking_picks_the_proposal_the_exact_solver_values_most():
    state = TTT.new_initial_state()
    for action in (0, 4, 1):  # x(0,0), o(1,1), x(0,1): o must block at (0,2) or lose
        state.apply_action(action)
    generator = ScriptedGenerator(["MOVE: o(2,2)", "MOVE: o(0,2)", "MOVE: o(2,0)"])
    config = LLMPlayerConfig(strategy="best_of_n", candidates=3, check="solver")
    move = act(LLMPlayer(generator, config, "llm"), state)
    assert move.action == 2 and move.info["check"] == "solver"  # proposed second, the only move that does not lose
    only_losing = ScriptedGenerator(["MOVE: o(2,2)", "MOVE: o(2,0)"])
    move = act(LLMPlayer(only_losing, LLMPlayerConfig(strategy="best_of_n", candidates=2, check="solver"), "llm"), state)
    assert move.action in (8, 6)  # the search never proposes a move of its own


def test_thinking_asks_for_reasoning_first_and_gives_the_reply_its_thinking_budget():
    player = load_player("llm:embedded?think=200&mode=listed", "tic_tac_toe", TTT)
    assert player.config.think and player.config.params.max_tokens == 200 and player.config.limits().max_tokens >= 400
    assert "Think step by step" in render_prompt(TTT.new_initial_state(), 0, "listed", ["x(0,0)"], think=True)
    with pytest.raises(Exception, match="check is solver or mcts"):
        load_player("llm:embedded?check=oracle", "tic_tac_toe", TTT)
    with pytest.raises(Exception, match="perfect-information"):
        load_player("llm:embedded?check=solver", "kuhn_poker", load("kuhn_poker"))


def test_program_mode_plays_the_move_the_models_program_prints_in_the_sandbox_and_retries_a_bad_one():
    state = TTT.new_initial_state()
    for action in (4, 0, 8):  # x centre, o corner, x opposite corner: o to move
        state.apply_action(action)
    player = load_player("llm:embedded?program=300&mode=listed", "tic_tac_toe", TTT)
    assert player.config.program and player.config.params.max_tokens == 300
    generator = ScriptedGenerator(["```python\nprint('o(1,1)')\n```",  # taken: not legal
                                   "```python\nboard = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\nprint('o(0,' + str(sum(board[0])+1) + ')')\n```"])
    move = act(LLMPlayer(generator, player.config, "llm"), state)
    assert move.action == 2 and state.action_to_string(1, 2) == "o(0,2)"
    assert (move.info["attempts"], move.info["invalid"], move.info["illegal_candidates"], move.info["program"]) == (2, 1, 1, True)
    assert "Write a Python program" in generator.conversations[0][-1].content
    assert "Your program printed 'o(1,1)', which is not a legal move" in generator.conversations[1][-1].content
    with pytest.raises(Exception, match="program mode"):
        load_player("llm:embedded?program=300&think=100", "tic_tac_toe", TTT)


@settings(max_examples=40, deadline=None)
@given(
    tokens=st.integers(1, 200), candidates=st.integers(1, 4), retries=st.integers(0, 4),
    reply_tokens=st.integers(1, 60), mode=st.sampled_from(["none", "listed", "tool"]),
)
def test_an_llm_move_never_spends_more_than_its_budget(tokens, candidates, retries, reply_tokens, mode):
    generator = ScriptedGenerator(["CHECK: x(0,0)", "MOVE: nonsense"], tokens=reply_tokens)
    strategy = "single" if mode == "tool" else "best_of_n"
    config = LLMPlayerConfig(mode=mode, strategy=strategy, candidates=candidates, retries=retries, tokens=tokens,
                             params=SamplingParams(max_tokens=32))
    move = act(LLMPlayer(generator, config, "llm"), TTT.new_initial_state())
    assert move.info["completion_tokens"] <= tokens
    assert sum(n for n, _ in generator.calls) <= config.limits().max_candidates
    assert move.info["attempts"] <= retries + 1 and move.action in range(9)


@pytest.mark.parametrize("mode", ["none", "listed", "tool"])
def test_llm_player_plays_full_games_against_a_served_model(server, mode):
    game = load("tic_tac_toe")
    spec = f"llm:openai:ponder-tiny@{server.base_url}?mode={mode}&retries=1"
    llm = load_player(spec, "tic_tac_toe", game)
    random_player = load_player("random", "tic_tac_toe", game)
    before = len(server.requests())
    records = [asyncio.run(play_game(game, "tic_tac_toe", seats, 7, (1, 2))) for seats in ([llm, random_player], [random_player, llm])]
    llm_moves = [m for r, seat in zip(records, (0, 1)) for m in r.moves if m["seat"] == seat]
    for record in records:
        assert replay_states(game, record)[-1].is_terminal()
    assert llm_moves and all(m["mode"] == mode for m in llm_moves)
    # The tiny model only does countdown and multiplication: every answer is invalid, and says so.
    assert all(m["invalid"] == m["attempts"] == 2 and m["fallback"] == "random" for m in llm_moves)
    assert sum(m["calls"] for m in llm_moves) == len(server.requests()) - before


def test_kuhn_exploitability_of_a_served_llm_player(server):
    game = load("kuhn_poker")
    llm = load_player(f"llm:openai:ponder-tiny@{server.base_url}?mode=listed&retries=0", "kuhn_poker", game)
    result = asyncio.run(exploitability_of("kuhn_poker", llm))
    # Every information set fell back to uniform random play, whose exploitability is known: 11/24.
    assert result.infosets == 12 and result.fallbacks == 12
    assert result.exploitability == pytest.approx(11 / 24, abs=1e-12)


def test_exploitability_of_an_llm_that_always_bets_matches_openspiel(tmp_path):
    """A backend that always answers `MOVE: Bet` is the always-bet Kuhn strategy; ponder's exact best
    response must agree with OpenSpiel's own exploitability of that policy."""
    from open_spiel.python import policy as openspiel_policy
    from open_spiel.python.algorithms import exploitability as openspiel_exploitability

    from processes import Server

    backend = Server(module="ponder.testing_backend", command=())
    try:
        game = load("kuhn_poker")
        llm = load_player(f"llm:openai:say-MOVE: Bet@{backend.base_url}?mode=listed", "kuhn_poker", game)
        result = asyncio.run(exploitability_of("kuhn_poker", llm))
    finally:
        backend.stop()
    always_bet = openspiel_policy.TabularPolicy(game)
    always_bet.action_probability_array[:] = 0.0
    always_bet.action_probability_array[:, 1] = 1.0  # action 1 is Bet
    assert result.fallbacks == 0
    assert result.exploitability == pytest.approx(openspiel_exploitability.exploitability(game, always_bet), abs=1e-12)


def test_a_dead_backend_makes_recorded_fallbacks_not_a_crash():
    from processes import free_port

    game = load("tic_tac_toe")
    llm = load_player(f"llm:openai:m@http://127.0.0.1:{free_port()}/v1?retries=1&timeout=2", "tic_tac_toe", game)
    move = act(llm, game.new_initial_state())
    assert move.action in range(9) and move.info["fallback"] == "random"
    assert move.info["errors"] >= 1 and move.info["invalid"] == 0 and "error" in move.info
