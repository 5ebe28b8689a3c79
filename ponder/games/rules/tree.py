"""A two-player game's whole tree, flattened once into numpy arrays so that solvers run as a few
vectorised passes per iteration instead of a Python walk over every history.

Nodes are laid out level by level (depth = number of actions, chance included, from the root). Every
edge parent -> child carries either a chance probability or an (information set, action slot) pair
whose probability is the current policy's. Information sets of the two players are numbered together;
`slots` maps each one's legal OpenSpiel action ids to columns 0..k-1 of a [num_infosets, width] table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyspiel

from ponder.games.errors import GameError
from ponder.games.rules.openspiel import load

CHANCE = -1
TERMINAL = -2


class GameTreeError(GameError):
    """The game cannot be flattened for these solvers (too big, not two-player zero-sum, ...)."""


@dataclass(frozen=True)
class Level:
    """The edges from one depth's nodes to the next depth's."""

    parent: np.ndarray  # node index of each edge's parent
    child: np.ndarray  # node index of each edge's child
    chance: np.ndarray  # chance probability (1.0 on player edges)
    infoset: np.ndarray  # acting information set (-1 on chance edges)
    slot: np.ndarray  # column of the action in the infoset's row (-1 on chance edges)
    player: np.ndarray  # acting player (CHANCE on chance edges)


@dataclass(frozen=True)
class GameTree:
    game: str
    num_nodes: int
    utility: np.ndarray  # [num_nodes] player 0's payoff at terminals (0 elsewhere); player 1 gets minus it
    levels: tuple[Level, ...]  # levels[d]: edges from depth d to depth d + 1
    infoset_keys: tuple[str, ...]  # OpenSpiel information_state_string of each infoset
    infoset_player: np.ndarray  # [num_infosets]
    infoset_depth: np.ndarray  # [num_infosets] the depth all its histories share
    actions: tuple[tuple[int, ...], ...]  # legal OpenSpiel action ids per infoset, in slot order
    legal: np.ndarray  # [num_infosets, width] bool
    node_infoset: np.ndarray  # [num_nodes] acting infoset (-1 at chance and terminal nodes)

    @property
    def num_infosets(self) -> int:
        return len(self.infoset_keys)

    @property
    def width(self) -> int:
        return self.legal.shape[1]


def build(game_name: str, max_nodes: int = 2_000_000) -> GameTree:
    """Flatten a two-player zero-sum game with perfect recall (Kuhn, Leduc, ...)."""
    game = load(game_name)
    kind = game.get_type()
    if game.num_players() != 2 or kind.utility != pyspiel.GameType.Utility.ZERO_SUM:
        raise GameTreeError(f"{game_name} is not a two-player zero-sum game")
    if kind.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
        raise GameTreeError(f"{game_name} is not sequential")
    utility: list[float] = [0.0]
    node_infoset: list[int] = [-1]
    edges: list[list[tuple[int, int, float, int, int, int]]] = []
    keys: dict[str, int] = {}
    key_list: list[str] = []
    players: list[int] = []
    depths: list[int] = []
    actions: list[tuple[int, ...]] = []
    frontier = [(game.new_initial_state(), 0)]
    depth = 0
    while frontier:
        level: list[tuple[int, int, float, int, int, int]] = []
        next_frontier = []
        for state, index in frontier:
            if state.is_terminal():
                utility[index] = state.returns()[0]
                continue
            if state.is_chance_node():
                outcomes = [(action, probability, CHANCE, -1, -1) for action, probability in state.chance_outcomes()]
            else:
                player = state.current_player()
                key = state.information_state_string(player)
                legal = tuple(state.legal_actions())
                infoset = keys.get(key)
                if infoset is None:
                    infoset = keys[key] = len(key_list)
                    key_list.append(key)
                    players.append(player)
                    depths.append(depth)
                    actions.append(legal)
                elif depths[infoset] != depth or actions[infoset] != legal:
                    raise GameTreeError(f"{game_name}: histories of one information set differ in depth or actions")
                node_infoset[index] = infoset
                outcomes = [(action, 1.0, player, infoset, slot) for slot, action in enumerate(legal)]
            for action, probability, actor, infoset, slot in outcomes:
                child = len(utility)
                if child >= max_nodes:
                    raise GameTreeError(f"{game_name} has more than {max_nodes} histories; too big to flatten")
                utility.append(0.0)
                node_infoset.append(-1)
                level.append((index, child, probability, infoset, slot, actor))
                next_frontier.append((state.child(action), child))
        if level:
            edges.append(level)
        frontier = next_frontier
        depth += 1
    width = max(len(a) for a in actions)
    legal_table = np.zeros((len(actions), width), dtype=bool)
    for i, legal in enumerate(actions):
        legal_table[i, : len(legal)] = True
    levels = tuple(
        Level(*(np.array(column, dtype=dtype) for column, dtype in zip(zip(*level), (np.int64, np.int64, np.float64, np.int64, np.int64, np.int64))))
        for level in edges
    )
    return GameTree(
        game=game_name,
        num_nodes=len(utility),
        utility=np.array(utility),
        levels=levels,
        infoset_keys=tuple(key_list),
        infoset_player=np.array(players),
        infoset_depth=np.array(depths),
        actions=tuple(actions),
        legal=legal_table,
        node_infoset=np.array(node_infoset),
    )


def uniform_policy(tree: GameTree) -> np.ndarray:
    return tree.legal / tree.legal.sum(axis=1, keepdims=True)


def policy_dict(tree: GameTree, policy: np.ndarray) -> dict[str, dict[int, float]]:
    """{information_state_string: {action_id: probability}}, OpenSpiel's tabular policy as plain JSON data."""
    return {key: {action: float(policy[i, slot]) for slot, action in enumerate(tree.actions[i])} for i, key in enumerate(tree.infoset_keys)}
