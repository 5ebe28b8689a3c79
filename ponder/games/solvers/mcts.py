"""Monte Carlo tree search under a budget: UCT selection (Kocsis & Szepesvári 2006), random-rollout
evaluation by default (any `Evaluator` plugs in), and exact solving of decided subtrees (MCTS-Solver,
Winands et al. 2008): a terminal's value is exact, a node where the mover has a proven best child or
whose children are all proven is proven too, and search stops early once the root is decided.

Anytime: `search` charges ponder's `SearchBudget` one step per simulation and runs until it refuses
(simulations or seconds spent), always returning the best move found so far. All randomness comes
from the injected `random.Random`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Protocol

import pyspiel

from ponder.budget import SearchBudget
from ponder.uct import uct


class Evaluator(Protocol):
    def __call__(self, state: pyspiel.State, rng: random.Random) -> list[float]:
        """Estimated returns of every player from `state` (not terminal); may change `state`, which
        search hands over as a private copy."""
        ...


def random_rollout(state: pyspiel.State, rng: random.Random) -> list[float]:
    """Play uniformly random moves (chance by its probabilities) to the end; the returns."""
    while not state.is_terminal():
        if state.is_chance_node():
            actions, probabilities = zip(*state.chance_outcomes())
            state.apply_action(rng.choices(actions, probabilities)[0])
        else:
            state.apply_action(rng.choice(state.legal_actions()))
    return state.returns()


_CHANCE = int(pyspiel.PlayerId.CHANCE)
_TERMINAL = int(pyspiel.PlayerId.TERMINAL)


@dataclass
class Node:
    player: int  # who moves here (pyspiel.PlayerId.CHANCE at chance nodes; TERMINAL at the end)
    visits: int = 0
    totals: list[float] | None = None  # summed returns per player over the simulations through here
    children: dict[int, Node] = field(default_factory=dict)
    untried: list[int] | None = None  # actions not yet expanded (shuffled)
    proven: list[float] | None = None  # exact returns once the subtree is solved


@dataclass(frozen=True)
class Decision:
    action: int
    simulations: int
    seconds: float
    proven: list[float] | None  # the root's exact value when search solved it
    visits: dict[int, int]  # per root action
    values: dict[int, float]  # the mover's mean return (exact when proven) per expanded root action


def search(
    state: pyspiel.State,
    budget: SearchBudget,
    rng: random.Random,
    *,
    evaluator: Evaluator = random_rollout,
    exploration: float = math.sqrt(2),
    stop_when_proven: bool = True,
) -> Decision:
    """The move to make at `state` (a decision node) after searching within `budget` (one step per
    simulation). Stops early once the root's value is proven, unless `stop_when_proven` is False
    (callers that want every move's value, like piKL, keep refining the unproven ones)."""
    if state.is_terminal() or state.is_chance_node():
        raise ValueError("search needs a state where a player is to move")
    players = state.num_players()
    root = Node(state.current_player())
    done = 0
    while (root.proven is None or not stop_when_proven) and budget.charge():
        _simulate(root, state.clone(), rng, evaluator, exploration, players)
        done += 1
    mover = root.player
    values = {a: c.proven[mover] if c.proven is not None else c.totals[mover] / c.visits for a, c in root.children.items()}
    return Decision(_best(root), done, budget.elapsed(), root.proven, {a: c.visits for a, c in root.children.items()}, values)


def _simulate(root: Node, state: pyspiel.State, rng: random.Random, evaluator: Evaluator, c: float, players: int) -> None:
    path = [root]
    node = root
    while True:
        if node.proven is not None and node is not root:
            returns = node.proven
            break
        if node.player == _CHANCE:
            actions, probabilities = zip(*state.chance_outcomes())
            action = rng.choices(actions, probabilities)[0]
        else:
            if node.untried is None:
                node.untried = state.legal_actions()
                rng.shuffle(node.untried)
            if node.untried:
                action = node.untried.pop()
            else:
                action = _select(node, c)
        state.apply_action(action)
        child = node.children.get(action)
        expanded = child is None
        if expanded:
            child = node.children[action] = Node(state.current_player())
            if child.player == _TERMINAL:
                child.proven = list(state.returns())
        path.append(child)
        node = child
        if expanded:
            returns = child.proven if child.proven is not None else list(evaluator(state, rng))
            break
    newly_proven = path[-1].proven is not None and path[-1].visits == 0  # a terminal just expanded
    for visited in reversed(path):
        visited.visits += 1
        if visited.totals is None:
            visited.totals = [0.0] * players
        for p in range(players):
            visited.totals[p] += returns[p]
        # A node can only become proven when one of its children just did.
        if newly_proven and visited.proven is None and visited.player >= 0:
            _try_prove(visited)
            newly_proven = visited.proven is not None


def _select(node: Node, c: float) -> int:
    """UCT over expanded children, scored for the player moving here; proven children by their value."""
    mover = node.player
    best, best_score = -1, -math.inf
    for action, child in node.children.items():
        if child.proven is not None:
            score = child.proven[mover] + 1e-9  # exact: no exploration bonus needed
        else:
            score = uct(child.totals[mover] / child.visits, child.visits, node.visits, c)
        if score > best_score:
            best, best_score = action, score
    return best


def _try_prove(node: Node) -> None:
    """A node is proven when all its moves are expanded and proven (the mover picks the best), or when
    one proven child already gives the mover the best value any child could (a win)."""
    mover = node.player
    proven = [child.proven for child in node.children.values() if child.proven is not None]
    if not proven:
        return
    best = max(proven, key=lambda v: v[mover])
    if not node.untried and len(proven) == len(node.children):
        node.proven = best
    elif best[mover] >= 1.0:  # the maximum payoff of the win/draw/loss games this is used on
        node.proven = best


def _best(root: Node) -> int:
    mover = root.player
    children = root.children
    if root.proven is not None:
        return max((a for a, ch in children.items() if ch.proven is not None), key=lambda a: children[a].proven[mover])
    candidates = {a: ch for a, ch in children.items() if ch.proven is None or ch.proven[mover] > -1.0}
    candidates = candidates or children
    return max(candidates, key=lambda a: (candidates[a].visits, candidates[a].totals[mover] / candidates[a].visits))
