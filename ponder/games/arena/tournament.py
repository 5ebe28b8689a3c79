"""The arena: a round robin between players of one two-player game, seats swapped game by game, every
game stored as it finishes (resumable) and replayable.

Pair (i, j) plays `games` games; even rounds seat i first, odd rounds seat j first, and each pair of
rounds shares a deal seed, so in games with chance both players see the same cards from both seats.
`--scale KIND:B1,B2,...` is an arena between the same player at several budgets (strength vs budget).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import pyspiel

from ponder.games.arena.config import ArenaConfig
from ponder.games.arena.store import STORE_NAME, ArenaStore
from ponder.games.errors import GameError
from ponder.games.rules.openspiel import load
from ponder.games.arena.play import GameRecord, MatchRecord, play_game, play_match
from ponder.games.players.base import Player
from ponder.games.players.registry import load_player
from ponder.games.players.spec import parse_spec
from ponder.workers.base import InProcess, Workers, WorkerLost
from ponder.workers.drain import drain

log = logging.getLogger(__name__)

LOST_RETRIES = 3  # replays of a game whose worker died


@dataclass(frozen=True)
class Scheduled:
    first: int  # the pair's player indices, first < second
    second: int
    round: int
    seats: tuple[int, int]  # player index in seat 0 and seat 1
    deal_seed: int
    player_seeds: tuple[int, int]


def derive_seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "big")


def schedule(config: ArenaConfig) -> list[Scheduled]:
    units = []
    count = len(config.players)
    for i in range(count):
        for j in range(i + 1, count):
            for r in range(config.games):
                seats = (i, j) if r % 2 == 0 else (j, i)
                units.append(Scheduled(
                    i, j, r, seats, derive_seed(config.seed, i, j, r // 2, "deal"),
                    (derive_seed(config.seed, i, j, r, 0), derive_seed(config.seed, i, j, r, 1)),
                ))
    return units


@dataclass(frozen=True)
class ArenaProgress:
    done: int
    total: int
    failed: int


def load_players(config: ArenaConfig) -> list[Player]:
    game = load(config.game)
    if game.num_players() != 2:
        raise GameError(f"the arena plays two-player games; {config.game} has {game.num_players()} players")
    return [load_player(spec, config.game, game) for spec in config.players]


@dataclass(frozen=True)
class ArenaState:
    """What a worker holds to play an arena's games: the rules and the loaded players."""

    game: pyspiel.Game
    players: list[Player]


def arena_state(config: ArenaConfig) -> ArenaState:
    """A worker's setup: load the game and every player once (picklable with the config)."""
    return ArenaState(load(config.game), load_players(config))


async def play_unit(state: ArenaState, game_name: str, unit: Scheduled, hands: int | None = None, seed: int = 0) -> GameRecord | MatchRecord:
    """One scheduled game, or with `hands` one match of that many, on whichever worker holds `state`. A match's
    deals and draws depend on the seed, round and hand only (not on the pair), so every pair meets the same deals."""
    if hands is not None:
        pair = [state.players[unit.first], state.players[unit.second]]
        return await play_match(state.game, game_name, pair, unit.round, hands,
                                lambda hand: derive_seed(seed, unit.round, hand, "deal"),
                                lambda hand, name: derive_seed(seed, unit.round, hand, name))
    seated = [state.players[unit.seats[0]], state.players[unit.seats[1]]]
    return await play_game(state.game, game_name, seated, unit.deal_seed, unit.player_seeds)


async def run_arena(
    config: ArenaConfig, out: Path, players: list[Player], on_progress: Callable[[ArenaProgress], None] = lambda p: None,
    workers: Workers | None = None,
) -> ArenaProgress:
    """Play every scheduled game not yet stored under `out`, on `workers` (default: here, with
    `players`), storing each as it finishes; a game that raises is recorded as a failure and left for
    the next run. A game whose worker died is replayed (it is a function of its seeds) up to
    `LOST_RETRIES` times."""
    out.mkdir(parents=True, exist_ok=True)
    units = schedule(config)
    workers = workers if workers is not None else InProcess(ArenaState(load(config.game), players))
    names = [parse_spec(p).name for p in config.players]
    with ArenaStore(out / STORE_NAME) as store:
        store.claim(config.identity())
        done = store.done(config.games)
        pending = [u for u in units if (u.first, u.second, u.round) not in done]
        counts = {"finished": len(done), "failed": 0}
        on_progress(ArenaProgress(counts["finished"], len(units), 0))

        async def play(unit: Scheduled) -> None:
            label = f"{names[unit.seats[0]]} vs {names[unit.seats[1]]} round {unit.round}"
            for attempt in range(LOST_RETRIES + 1):
                try:
                    record = await workers.submit(play_unit, config.game, unit, config.hands, config.seed)
                except GameError:
                    raise
                except WorkerLost as error:
                    log.warning("game %s: %s (attempt %d of %d)", label, error, attempt + 1, LOST_RETRIES + 1)
                    if attempt == LOST_RETRIES:
                        fail(unit, label, error)
                except Exception as error:  # one broken game (a backend down mid-game) must not lose the rest
                    fail(unit, label, error)
                    return
                else:
                    store.add(unit.first, unit.second, unit.round, record)
                    counts["finished"] += 1
                    on_progress(ArenaProgress(counts["finished"], len(units), counts["failed"]))
                    return

        def fail(unit: Scheduled, label: str, error: Exception) -> None:
            log.error("game %s failed: %s", label, error)
            store.add_failure(unit.first, unit.second, unit.round, f"{type(error).__name__}: {error}")
            counts["failed"] += 1
            on_progress(ArenaProgress(counts["finished"], len(units), counts["failed"]))

        await drain([partial(play, unit) for unit in pending], workers.slots)
        return ArenaProgress(counts["finished"], len(units), counts["failed"])
