"""One game between seated players, recorded move by move so it can be replayed and audited.

Chance is sampled from its own seeded RNG (so two games with the same deal seed see the same cards
whoever sits where) and each seat's player gets its own RNG. Simultaneous-move nodes ask every player
for its move and apply them together. A forfeit ends the game: the forfeiting seat gets the game's
minimum utility, every other seat its maximum.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import pyspiel

from ponder.games.errors import GameError
from ponder.games.players.base import Move, Player


@dataclass(frozen=True)
class GameRecord:
    game: str
    seats: tuple[str, ...]  # player names by seat
    deal_seed: int
    steps: tuple[Any, ...]  # what was applied, in order: an action id, or a list of ids at a simultaneous node
    moves: tuple[dict[str, Any], ...]  # per decision: seat, action, its written form, and the move's info
    returns: tuple[float, ...]  # per seat
    forfeit: int | None = None  # the seat that forfeited, if one did

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> GameRecord:
        return GameRecord(
            data["game"], tuple(data["seats"]), data["deal_seed"], tuple(data["steps"]), tuple(data["moves"]),
            tuple(data["returns"]), data.get("forfeit"),
        )


def _entry(state: pyspiel.State, seat: int, move: Move) -> dict[str, Any]:
    written = state.action_to_string(seat, move.action) if move.action is not None else "forfeit"
    return {"seat": seat, "action": move.action, "move": written, **move.info}


def _check(state: pyspiel.State, seat: int, move: Move, name: str) -> None:
    if move.action is not None and move.action not in state.legal_actions(seat):
        raise GameError(f"player {name} returned the illegal action {move.action}; players must only commit legal moves")


async def play_game(
    game: pyspiel.Game, game_name: str, seats: Sequence[Player], deal_seed: int, player_seeds: Sequence[int]
) -> GameRecord:
    """Play one game to the end."""
    if len(seats) != game.num_players():
        raise GameError(f"{game_name} needs {game.num_players()} players, got {len(seats)}")
    chance = random.Random(deal_seed)
    rngs = [random.Random(seed) for seed in player_seeds]
    state = game.new_initial_state()
    steps: list[Any] = []
    moves: list[dict[str, Any]] = []
    forfeit = None
    while not state.is_terminal():
        if state.is_chance_node():
            actions, probabilities = zip(*state.chance_outcomes())
            action = chance.choices(actions, probabilities)[0]
            state.apply_action(action)
            steps.append(action)
            continue
        if state.is_simultaneous_node():
            joint = []
            for seat, player in enumerate(seats):
                move = await player.act(state, seat, rngs[seat])
                _check(state, seat, move, player.name)
                moves.append(_entry(state, seat, move))
                if move.action is None:
                    forfeit = seat
                    break
                joint.append(move.action)
            if forfeit is not None:
                break
            state.apply_actions(joint)
            steps.append(joint)
            continue
        seat = state.current_player()
        move = await seats[seat].act(state, seat, rngs[seat])
        _check(state, seat, move, seats[seat].name)
        moves.append(_entry(state, seat, move))
        if move.action is None:
            forfeit = seat
            break
        state.apply_action(move.action)
        steps.append(move.action)
    if forfeit is not None:
        returns = tuple(game.min_utility() if seat == forfeit else game.max_utility() for seat in range(len(seats)))
    else:
        returns = tuple(state.returns())
    return GameRecord(game_name, tuple(p.name for p in seats), deal_seed, tuple(steps), tuple(moves), returns, forfeit)


def replay_states(game: pyspiel.Game, record: GameRecord) -> list[pyspiel.State]:
    """The states a record passes through (the initial one first), re-applying its steps; raises
    GameError when a step is illegal or the end differs from the record."""
    state = game.new_initial_state()
    states = [state.clone()]
    for step in record.steps:
        try:
            if isinstance(step, list):
                state.apply_actions(step)
            else:
                if not state.is_chance_node() and step not in state.legal_actions():
                    raise GameError(f"step {len(states)}: action {step} is not legal")
                state.apply_action(step)
        except pyspiel.SpielError as error:
            raise GameError(f"step {len(states)}: {error}") from None
        states.append(state.clone())
    if record.forfeit is None and (not state.is_terminal() or tuple(state.returns()) != tuple(record.returns)):
        raise GameError("the replayed game does not end with the recorded returns")
    return states
