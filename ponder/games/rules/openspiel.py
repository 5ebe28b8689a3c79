"""Games come from OpenSpiel (no hand-written rules here): loading one by name, with a clear error."""

from __future__ import annotations

import pyspiel

from ponder.games.errors import GameError


def load(name: str) -> pyspiel.Game:
    """An OpenSpiel game by name, parameters allowed: 'leduc_poker', 'connect_four(rows=5)'."""
    base = name.split("(", 1)[0].strip()
    if base not in pyspiel.registered_names():  # asked first: OpenSpiel prints every game name on a miss
        raise GameError(f"unknown game {name!r}; an OpenSpiel game name, e.g. tic_tac_toe, connect_four, kuhn_poker, leduc_poker")
    try:
        return pyspiel.load_game(name)
    except pyspiel.SpielError as error:
        raise GameError(f"cannot load {name!r}: {error}") from None
