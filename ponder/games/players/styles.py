"""Fixed, biased poker players (`style:NAME`): the CFR+ equilibrium with one human leak, for Kuhn and Leduc poker.

Hands are read from the information state: Kuhn's card (J weak, K strong), Leduc's private card and, in round 2,
whether it pairs the public card (a pair or a round-1 king strong; an unpaired jack weak). Each style changes the
equilibrium's row only where its leak applies:
- `always_bluff`: with a weak hand, bets or raises whenever it may;
- `never_bluff`: with a weak hand, never bets or raises (checks or calls instead; folds to a raise it cannot call);
- `calls_everything`: never folds to a bet;
- `folds_too_often`: folds to any bet unless its hand is strong.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from ponder.games.players.search import PolicyPlayer
from ponder.games.players.spec import PlayerError
from ponder.games.rules.tree import GameTree, build, policy_dict
from ponder.games.solvers.cfr import run_cfr_plus

STYLES = ("always_bluff", "never_bluff", "calls_everything", "folds_too_often")
GAMES = ("kuhn_poker", "leduc_poker")
EQUILIBRIUM_ITERATIONS = 2000  # CFR+ on Leduc: exploitability well under 1e-3
_PRIVATE = re.compile(r"\[Private: (\d+)\]")
_PUBLIC = re.compile(r"\[Public: (\d+)\]")


@lru_cache(maxsize=4)
def equilibrium(game_name: str) -> tuple[GameTree, np.ndarray]:
    """The game's flattened tree and a CFR+ equilibrium of it (computed once per process)."""
    tree = build(game_name)
    return tree, np.asarray(run_cfr_plus(tree, EQUILIBRIUM_ITERATIONS).average)


def strength(game_name: str, key: str) -> int:
    """0 weak, 1 medium, 2 strong, read from an information state string.

    >>> strength("kuhn_poker", "0pb"), strength("kuhn_poker", "2"), strength("leduc_poker", "[Private: 1][Round 2][Public: 0]")
    (0, 2, 2)
    """
    if game_name == "kuhn_poker":
        return {"0": 0, "1": 1, "2": 2}[key[0]]
    rank = int(_PRIVATE.search(key).group(1)) // 2  # type: ignore[union-attr]
    public = _PUBLIC.search(key)
    if public is not None:
        return 2 if int(public.group(1)) // 2 == rank else (0 if rank == 0 else 1)
    return rank


def _roles(game_name: str, key: str, actions: tuple[int, ...]) -> tuple[bool, int | None, int, int | None]:
    """(facing a bet, the aggressive action, the passive one, the fold) in this information set."""
    if game_name == "kuhn_poker":
        facing = key.endswith("b")  # Kuhn's actions: 0 pass (check, or fold to a bet), 1 bet (or call)
        return (True, None, 1, 0) if facing else (False, 1, 0, None)
    return 0 in actions, (2 if 2 in actions else None), 1, (0 if 0 in actions else None)  # Leduc: fold, call, raise


def styled_row(game_name: str, style: str, key: str, actions: tuple[int, ...], row: np.ndarray) -> np.ndarray:
    """The equilibrium's row `row` (probabilities in `actions` order) with the style's leak applied."""
    facing, aggressive, passive, fold = _roles(game_name, key, actions)
    hand = strength(game_name, key)
    slot = {action: i for i, action in enumerate(actions)}
    new = row.copy()

    def move_all(to: int) -> None:
        new[:] = 0.0
        new[slot[to]] = 1.0

    def move(source: int | None, to: int | None) -> None:
        if source is not None and to is not None:
            new[slot[to]] += new[slot[source]]
            new[slot[source]] = 0.0

    if style == "always_bluff" and hand == 0 and aggressive is not None:
        move_all(aggressive)
    elif style == "never_bluff" and hand == 0:
        move(aggressive, passive if not facing else fold)
    elif style == "calls_everything" and facing:
        move(fold, passive)
    elif style == "folds_too_often" and facing and hand < 2 and fold is not None:
        move_all(fold)
    return new


def style_policy(game_name: str, style: str) -> tuple[GameTree, np.ndarray]:
    if game_name not in GAMES:
        raise PlayerError(f"style players play {' and '.join(GAMES)}; not {game_name}")
    if style not in STYLES:
        raise PlayerError(f"unknown style {style!r}; poker styles: {', '.join(STYLES)} (repeated games: always_cooperate, "
                          "always_defect, tit_for_tat, grim)")
    tree, base = equilibrium(game_name)
    policy = base.copy()
    for i, key in enumerate(tree.infoset_keys):
        width = len(tree.actions[i])
        policy[i, :width] = styled_row(game_name, style, key, tree.actions[i], base[i, :width])
    return tree, policy


def style_player(game_name: str, style: str, name: str) -> PolicyPlayer:
    tree, policy = style_policy(game_name, style)
    return PolicyPlayer(policy_dict(tree, policy), name)
