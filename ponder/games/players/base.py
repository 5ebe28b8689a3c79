"""What every game player is: something that, given a state and its seat, thinks (within its own
budget) and commits a move. How a player is named on the command line is spec.py; which kinds exist
is registry.py."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, runtime_checkable

import pyspiel

from ponder.games.players.spec import PlayerError, PlayerSpec
from ponder.games.rules.poker import View


@dataclass(frozen=True)
class Move:
    """A committed move and what deciding it took."""

    action: int | None  # an OpenSpiel action id; None when the player forfeits
    info: Mapping[str, Any] = field(default_factory=dict)  # JSON-able: simulations, tokens, invalid attempts, fallback ...


class Player(Protocol):
    name: str

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        """The move for seat `player` at `state` (its turn, or a simultaneous node)."""
        ...

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        """The player's move probabilities at `state` (what exploitability and piKL anchors read)."""
        ...


@runtime_checkable
class Learner(Protocol):
    """A player that learns from the hands it plays within one match (`ponder arena --hands`), and only there."""

    def fresh(self) -> Learner:
        """A copy that has seen nothing: one per match, so matches stay functions of their seeds."""
        ...

    def observe(self, view: View, seat: int) -> None:
        """One finished hand as this player saw it from `seat`: its final information state, its return, and the
        hand's history when the cards were shown at a showdown, else "" (`rules/poker.py`)."""
        ...

    def findings(self) -> dict[str, Any]:
        """What it learned, JSON-able (stored with the match)."""
        ...


def require_perfect_information(spec: PlayerSpec, game: pyspiel.Game) -> None:
    """Search on the true state would see hidden cards: refuse games with hidden information."""
    kind = game.get_type()
    if kind.information != pyspiel.GameType.Information.PERFECT_INFORMATION or kind.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
        raise PlayerError(
            f"{spec.kind} searches the true game state, so it plays turn-based perfect-information games only "
            f"({kind.short_name} is not one); use cfr, llm or random there"
        )


def sample(distribution: Mapping[int, float], rng: random.Random) -> int:
    actions = list(distribution)
    return rng.choices(actions, [distribution[a] for a in actions])[0]
