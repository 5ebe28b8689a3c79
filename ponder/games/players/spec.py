"""A player's spec: the one-line text that names it on the command line (no OpenSpiel needed to read one).

A spec is `KIND[:ARGUMENT][?key=value&key=value...]`, e.g. `random`, `mcts:256`, `mcts?seconds=0.5`,
`cfr:1000`, `llm:embedded?mode=listed&strategy=best_of_n`,
`llm:openai:ponder-tiny@http://127.0.0.1:8000/v1?mode=tool`, `pikl:64?lambda=0.1&anchor=random`.
An `anchor=` option takes the rest of the spec, so it comes last. `name=` sets the label shown in tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ponder.games.errors import GameError

PLAYER_HELP = ("random, mcts:SIMULATIONS, solver, cfr:ITERATIONS, llm:MODEL?mode=none|listed|tool, "
               "pikl:SIMULATIONS?lambda=L&anchor=SPEC (search kinds also take ?seconds=S), "
               "style:always_bluff|never_bluff|calls_everything|folds_too_often, exploit?safety=S[&showdown=1][&response=restricted] (poker), "
               "style:always_cooperate|always_defect|tit_for_tat|grim (repeated games), style:fair|greedy (bargaining), "
               "ismcts:SIMULATIONS (hidden information)")


class PlayerError(GameError):
    """A player spec is malformed or does not fit the game."""


@dataclass(frozen=True)
class PlayerSpec:
    kind: str
    argument: str
    options: Mapping[str, str]
    text: str

    @property
    def name(self) -> str:
        return self.options.get("name", self.text)

    def number(self, key: str, default: float | None, *, integer: bool = False, minimum: float = 0.0) -> float | None:
        """An option as a number above `minimum` (or the default when absent)."""
        raw = self.options.get(key)
        if raw is None:
            return default
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            raise PlayerError(f"{self.text}: {key} must be a{' whole' if integer else ''} number, got {raw!r}") from None
        if value <= minimum:
            raise PlayerError(f"{self.text}: {key} must be more than {minimum:g}, got {raw!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        """An on/off option, written 1 or 0 (or the default when absent).

        >>> parse_spec("exploit?showdown=1").flag("showdown", False), parse_spec("exploit").flag("showdown", False)
        (True, False)
        """
        raw = self.options.get(key)
        if raw is None:
            return default
        if raw not in ("0", "1"):
            raise PlayerError(f"{self.text}: {key} is 1 (on) or 0 (off), got {raw!r}")
        return raw == "1"

    def check_options(self, allowed: set[str]) -> None:
        unknown = set(self.options) - allowed - {"name"}
        if unknown:
            raise PlayerError(f"{self.text}: unknown option(s) {', '.join(sorted(unknown))}; {self.kind} takes: {', '.join(sorted(allowed | {'name'}))}")


def parse_spec(text: str) -> PlayerSpec:
    """Split a player spec into kind, argument and options.

    >>> parse_spec("pikl:64?lambda=0.1&anchor=llm:embedded?mode=listed").options["anchor"]
    'llm:embedded?mode=listed'
    """
    text = text.strip()
    if not text:
        raise PlayerError("empty player spec")
    head, _, query = text.partition("?")
    kind, _, argument = head.partition(":")
    options: dict[str, str] = {}
    while query:
        if query.startswith("anchor="):  # the anchor is a whole spec of its own: it takes the rest
            options["anchor"] = query[len("anchor="):]
            break
        pair, _, query = query.partition("&")
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise PlayerError(f"{text}: options are key=value pairs joined by '&', got {pair!r}")
        options[key] = value
    return PlayerSpec(kind, argument, options, text)
