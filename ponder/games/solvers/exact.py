"""Exact values of small perfect-information games by backward induction over every reachable state
(Zermelo 1913; for two-player zero-sum games this is minimax). Each player maximises their own value;
chance nodes average over outcomes. States are memoised, so tic-tac-toe's 5,478 positions take
well under a second; games too big to enumerate are refused rather than left running.
"""

from __future__ import annotations

from typing import Sequence

import pyspiel

from ponder.games.errors import GameError


class SolveError(GameError):
    """The game cannot be solved exactly here (imperfect information, too big, bad history)."""


def state_after(game: pyspiel.Game, history: Sequence[int]) -> pyspiel.State:
    """The state after applying OpenSpiel action ids in order; refuses an illegal one by position."""
    state = game.new_initial_state()
    for position, action in enumerate(history):
        if state.is_terminal():
            raise SolveError(f"history move {position + 1} ({action}) comes after the game ended")
        legal = [a for a, _ in state.chance_outcomes()] if state.is_chance_node() else state.legal_actions()
        if action not in legal:
            raise SolveError(f"history move {position + 1}: action {action} is not legal here; legal: {legal}")
        state.apply_action(action)
    return state


def exact_values(state: pyspiel.State, max_states: int = 500_000) -> list[float]:
    """Every player's value at `state` under perfect play."""
    return ExactSolver(state.get_game(), max_states).value(state)


class ExactSolver:
    """Exact backward induction with a memo over states (keyed by mover and board, or by the history
    at chance nodes)."""

    def __init__(self, game: pyspiel.Game, max_states: int = 500_000):
        kind = game.get_type()
        if kind.information != pyspiel.GameType.Information.PERFECT_INFORMATION:
            raise SolveError(f"{kind.short_name} has hidden information: use `ponder games cfr`")
        if kind.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
            raise SolveError(f"{kind.short_name} has simultaneous moves; exact search here is for turn-based games")
        self.players = game.num_players()
        self.max_states = max_states
        self.memo: dict[str, list[float]] = {}

    def value(self, node: pyspiel.State) -> list[float]:
        if node.is_terminal():
            return list(node.returns())
        key = node.history_str() if node.is_chance_node() else f"{node.current_player()}|{node}"
        if key in self.memo:
            return self.memo[key]
        if len(self.memo) >= self.max_states:
            raise SolveError(f"more than {self.max_states} states: too big to solve exactly (use MCTS)")
        if node.is_chance_node():
            result = [0.0] * self.players
            for action, probability in node.chance_outcomes():
                for player, v in enumerate(self.value(node.child(action))):
                    result[player] += probability * v
        else:
            player = node.current_player()
            result = max((self.value(node.child(action)) for action in node.legal_actions()), key=lambda v: v[player])
        self.memo[key] = result
        return result
