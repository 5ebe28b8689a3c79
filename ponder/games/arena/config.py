"""What an arena plays: a frozen config whose defaults the CLI reads (importable without OpenSpiel)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ponder.games.errors import GameError
from ponder.games.players.spec import parse_spec


@dataclass(frozen=True)
class ArenaConfig:
    game: str
    players: tuple[str, ...]  # player specs; names must differ
    games: int = 20  # games per pair, seats alternating
    seed: int = 0
    scale: str | None = None  # the --scale spec the players came from (budgets are then their x axis)
    hands: int | None = None  # with a number: each of the `games` per pair is a match of this many hands

    def __post_init__(self) -> None:
        if len(self.players) < 2:
            raise GameError("an arena needs at least two players")
        if self.games < 1:
            raise GameError("--games must be at least 1")
        if self.hands is not None and self.hands < 1:
            raise GameError("--hands must be at least 1")
        names = [parse_spec(p).name for p in self.players]
        if len(set(names)) != len(names):
            raise GameError(f"player names must differ (got {', '.join(names)}); add ?name=... to tell copies apart")

    def identity(self) -> dict:
        """The settings that decide each game. Not `games`: round r's seeds do not depend on how many rounds there
        are, so a re-run with more games plays only the new ones (and one with fewer reports the first ones)."""
        identity = asdict(self) | {"players": list(self.players)}
        identity.pop("games")
        if self.hands is None:
            identity.pop("hands")  # arenas stored before matches existed keep their identity
        return identity


def scale_players(spec: str) -> tuple[list[str], list[float]]:
    """`mcts:1,4,16?c=1` -> (['mcts:1?c=1', 'mcts:4?c=1', 'mcts:16?c=1'], [1, 4, 16])."""
    head, question, query = spec.partition("?")
    kind, _, budgets = head.partition(":")
    texts = [b.strip() for b in budgets.split(",") if b.strip()]
    try:
        values = [float(b) for b in texts]
    except ValueError:
        raise GameError(f"--scale takes KIND:BUDGET,BUDGET,... e.g. mcts:1,4,16,64; got {spec!r}") from None
    if len(values) < 2 or any(v <= 0 for v in values):
        raise GameError(f"--scale needs at least two positive budgets, e.g. mcts:1,4,16,64; got {spec!r}")
    return [f"{kind}:{b}{question}{query}" for b in texts], values
