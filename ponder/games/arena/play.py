"""One game between seated players, recorded move by move so it can be replayed and audited.

Chance is sampled from its own seeded RNG (so two games with the same deal seed see the same cards
whoever sits where) and each seat's player gets its own RNG. Simultaneous-move nodes ask every player
for its move and apply them together. A forfeit ends the game: the forfeiting seat gets the game's
minimum utility, every other seat its maximum.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

import pyspiel

from ponder.games.errors import GameError
from ponder.games.players.base import Learner, Move, Player
from ponder.games.rules.poker import view_of


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


@dataclass(frozen=True)
class MatchRecord:
    """A match of many hands between two players (`ponder arena --hands`): each hand's returns, and what each
    learning player found. `players` are in the pair's order; the first sits in seat (round + hand) % 2."""

    game: str
    players: tuple[str, str]
    round: int
    returns: tuple[tuple[float, float], ...]  # per hand, in `players` order
    forfeits: tuple[int, int]  # hands each player forfeited
    findings: dict[str, Any]  # player name -> its findings (learners only)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"kind": "match"}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> MatchRecord:
        return MatchRecord(data["game"], tuple(data["players"]), data["round"], tuple(tuple(r) for r in data["returns"]),
                           tuple(data["forfeits"]), data["findings"])


def final_state(game: pyspiel.Game, record: GameRecord) -> pyspiel.State:
    state = game.new_initial_state()
    for step in record.steps:
        state.apply_actions(step) if isinstance(step, list) else state.apply_action(step)
    return state


async def play_match(
    game: pyspiel.Game, game_name: str, pair: Sequence[Player], round_: int, hands: int,
    deal_seed: Callable[[int], int], player_seed: Callable[[int, str], int],
) -> MatchRecord:
    """`hands` hands between the pair, seats alternating hand by hand; learning players start the match from
    nothing (`Learner.fresh`) and observe each finished hand from their seat. Hand h is dealt from
    `deal_seed(h)` and player p's moves drawn from `player_seed(h, p.name)`, so the same deals (and the same
    opponent's draws) recur in every pair of the arena."""
    players = [p.fresh() if isinstance(p, Learner) else p for p in pair]
    returns = []
    forfeits = [0, 0]
    for hand in range(hands):
        order = (0, 1) if (round_ + hand) % 2 == 0 else (1, 0)  # order[seat] = index in the pair
        seated = [players[order[0]], players[order[1]]]
        record = await play_game(game, game_name, seated, deal_seed(hand), [player_seed(hand, p.name) for p in seated])
        returns.append((record.returns[order.index(0)], record.returns[order.index(1)]))
        if record.forfeit is not None:
            forfeits[order[record.forfeit]] += 1
            continue
        end = final_state(game, record)
        for seat, player in enumerate(seated):
            if isinstance(player, Learner):
                player.observe(view_of(end, seat), seat)
    findings = {p.name: p.findings() for p in players if isinstance(p, Learner)}
    return MatchRecord(game_name, (pair[0].name, pair[1].name), round_, tuple(returns), (forfeits[0], forfeits[1]), findings)
