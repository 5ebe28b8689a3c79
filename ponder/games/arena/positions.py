"""Positions with one right idea, and whether a player finds it (`ponder games positions`).

The built-in tic-tac-toe set is made by the exact solver from every reachable position (no hand-picked boards):
- `fork`: the player to move wins by force but has no immediate win; some winning move makes two threats at once
  (a fork). Finding a winning move is the test ("X can win, you can force a fork").
- `save`: exactly one legal move keeps the player to move from losing under perfect play (it blocks a line or
  a fork); every other move loses.
A move is scored `best` when its exact value equals the position's. Positions are drawn with a fixed seed, one per
board, and listed by id; `--input` takes any positions of any small perfect-information game instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import pyspiel

from ponder.games.errors import GameError
from ponder.games.rules.openspiel import load
from ponder.games.solvers.exact import ExactSolver, state_after

KINDS = ("fork", "save")
LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))


@dataclass(frozen=True)
class Position:
    id: str
    history: tuple[int, ...]
    kind: str  # fork, save, or "given" (from --input)


@dataclass(frozen=True)
class Judged:
    """A position's exact values: the mover's value and each legal move's."""

    mover: int
    value: float
    moves: dict[int, float]

    @property
    def best(self) -> set[int]:
        return {a for a, v in self.moves.items() if v == self.value}


def judge(game: pyspiel.Game, history: Sequence[int], solver: ExactSolver) -> Judged:
    state = state_after(game, history)
    if state.is_terminal() or state.is_chance_node():
        raise GameError(f"position {list(history)}: no player is to move there")
    mover = state.current_player()
    moves = {a: solver.value(state.child(a))[mover] for a in state.legal_actions()}
    return Judged(mover, max(moves.values()), moves)


def threats(cells: str, mark: str) -> int:
    """Empty squares that would complete a line of `mark` (cells: 9 characters, '.' empty).

    >>> threats("xx.o.o..x", "x"), threats("x.x.x....", "x")
    (2, 3)
    """
    return len({i for line in LINES for i in line if cells[i] == "." and sum(cells[j] == mark for j in line) == 2})


def _cells(state: pyspiel.State) -> str:
    return str(state).replace("\n", "")


def builtin_positions(per_kind: int = 30, seed: int = 0) -> list[Position]:
    """`per_kind` fork and `per_kind` save positions of tic-tac-toe, one per board, drawn with `seed`."""
    game = load("tic_tac_toe")
    solver = ExactSolver(game)
    found: dict[str, dict[str, tuple[int, ...]]] = {kind: {} for kind in KINDS}
    seen: set[str] = set()
    stack: list[tuple[pyspiel.State, tuple[int, ...]]] = [(game.new_initial_state(), ())]
    while stack:
        state, history = stack.pop()
        cells = _cells(state)
        if state.is_terminal() or cells in seen:
            continue
        seen.add(cells)
        judged = judge(game, history, solver)
        mark = "x" if judged.mover == 0 else "o"
        immediate = any(state.child(a).is_terminal() and state.child(a).returns()[judged.mover] > 0 for a in judged.moves)
        if judged.value > 0 and not immediate and any(threats(_cells(state.child(a)), mark) >= 2 for a in judged.best):
            found["fork"][cells] = history
        if judged.value >= 0 and len(judged.best) == 1 and len(judged.moves) > 1 and all(v < 0 for a, v in judged.moves.items() if a not in judged.best):
            found["save"][cells] = history
        stack.extend((state.child(a), history + (a,)) for a in reversed(state.legal_actions()))
    rng = random.Random(seed)
    positions = []
    for kind in KINDS:
        boards = sorted(found[kind])
        for number, cells in enumerate(sorted(rng.sample(boards, min(per_kind, len(boards))))):
            positions.append(Position(f"{kind}-{number:02d}", found[kind][cells], kind))
    return positions


def read_positions(lines: Sequence[str], source: str) -> list[Position]:
    """Positions from JSONL lines `{"id", "history": [action ids from the start]}`; a bad line is a GameError
    naming it."""
    import json

    positions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            history = tuple(int(a) for a in record["history"])
            positions.append(Position(str(record.get("id", f"line-{number}")), history, str(record.get("kind", "given"))))
        except (ValueError, KeyError, TypeError) as error:
            raise GameError(f"{source} line {number}: expected {{\"id\", \"history\": [action ids]}} ({error})") from None
    if not positions:
        raise GameError(f"{source} holds no positions")
    return positions
