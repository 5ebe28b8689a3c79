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
from pathlib import Path
from typing import Callable

from ponder.games.arena.config import ArenaConfig
from ponder.games.arena.store import STORE_NAME, ArenaStore
from ponder.games.errors import GameError
from ponder.games.rules.openspiel import load
from ponder.games.arena.play import play_game
from ponder.games.players.base import Player
from ponder.games.players.registry import load_player

log = logging.getLogger(__name__)


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


async def run_arena(
    config: ArenaConfig, out: Path, players: list[Player], on_progress: Callable[[ArenaProgress], None] = lambda p: None
) -> ArenaProgress:
    """Play every scheduled game not yet stored under `out`; a game that raises is recorded as a
    failure and left for the next run."""
    out.mkdir(parents=True, exist_ok=True)
    game = load(config.game)
    units = schedule(config)
    with ArenaStore(out / STORE_NAME) as store:
        store.claim(config.identity())
        done = store.done()
        finished, failed = len(done), 0
        on_progress(ArenaProgress(finished, len(units), failed))
        for unit in units:
            if (unit.first, unit.second, unit.round) in done:
                continue
            seated = [players[unit.seats[0]], players[unit.seats[1]]]
            try:
                record = await play_game(game, config.game, seated, unit.deal_seed, unit.player_seeds)
            except GameError:
                raise
            except Exception as error:  # one broken game (a backend down mid-game) must not lose the rest
                log.error("game %s vs %s round %d failed: %s", seated[0].name, seated[1].name, unit.round, error)
                store.add_failure(unit.first, unit.second, unit.round, f"{type(error).__name__}: {error}")
                failed += 1
            else:
                store.add(unit.first, unit.second, unit.round, record)
                finished += 1
            on_progress(ArenaProgress(finished, len(units), failed))
        return ArenaProgress(finished, len(units), failed)
