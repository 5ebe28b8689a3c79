"""Monte Carlo tree search over reasoning steps: each of 4N simulations descends the tree by UCT
(`ponder.uct`, the rule the games' MCTS uses) to a node it expands with `expansions` sampled next
steps, and backs up the best of their PRM scores; a child enters with its PRM score as one visit (the
PRM is the value function, no rollouts). A node's children widen progressively (Coulom 2007; Chaslot
et al. 2008): a node visited v times may be expanded again while it has fewer than
expansions x ceil(sqrt(v - 1)) children (its first visit is its PRM score), until three expansions in a row find nothing new. Finished solutions are kept
as candidates; subtrees that are finished, dead, known hopeless or used up are closed, so the search
never returns to them. The answer is the finished solution the PRM scores best (Hao et al. 2023,
"Reasoning with Language Model is Planning with World Model"; Zhang et al. 2024, "ReST-MCTS*")."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ponder.strategies.base import Run
from ponder.strategies.registry import StrategyError
from ponder.strategies.step_search import DEFAULT_MAX_STEPS, Node, StepSearch
from ponder.types import Result
from ponder.uct import uct
from ponder.verifiers.prm import ProcessVerifier

DEFAULT_EXPANSIONS = 4  # steps sampled per expansion (at most N)
FRUITLESS_LIMIT = 3  # expansions in a row without a new step before a node counts as used up
SIMULATIONS_PER_CANDIDATE = 4  # simulations per unit of the candidate budget N (a solution takes a few steps)


@dataclass
class _Tree:
    node: Node
    visits: int = 1
    total: float = 0.0
    children: list["_Tree"] | None = None  # None until expanded
    fruitless: int = 0  # expansions in a row that found no new step
    saturated: bool = False  # FRUITLESS_LIMIT expansions in a row found no new step: it is not widened again
    closed: bool = False  # nothing below is worth a simulation

    def widens(self, expansions: int) -> bool:
        """Due another expansion (progressive widening), or its children are all closed."""
        if self.children is None:
            return True
        if self.saturated:
            return False
        return len(self.children) < expansions * math.ceil(math.sqrt(self.visits - 1)) or all(c.closed for c in self.children)


async def step_mcts(run: Run, prm: ProcessVerifier | None = None, expansions: int = DEFAULT_EXPANSIONS,
                    exploration: float = 1.0, max_steps: int = DEFAULT_MAX_STEPS, simulations: int | None = None) -> Result:
    search = StepSearch(run, prm, max_steps)
    if expansions < 1 or (simulations is not None and simulations < 1):
        raise StrategyError("expansions and simulations must be at least 1")
    expansions = min(expansions, run.target)
    root = _Tree(Node())
    for _ in range(simulations or SIMULATIONS_PER_CANDIDATE * run.target):
        if root.closed or search.out_of_budget:
            break
        path = [root]
        while not path[-1].widens(expansions):
            tree = path[-1]
            live = [child for child in tree.children if not child.closed]
            path.append(max(live, key=lambda child: uct(child.total / child.visits, child.visits, tree.visits, exploration)))
        leaf = path[-1]
        known = [child.node for child in leaf.children or ()]
        scored = await search.score(await search.expand(leaf.node, expansions, known))
        if search.solved:
            break
        added = [_Tree(child, total=child.score, closed=not child.open) for child in scored]
        leaf.children = (leaf.children or []) + added
        leaf.fruitless = 0 if added else leaf.fruitless + 1
        leaf.saturated = leaf.fruitless >= FRUITLESS_LIMIT and not search.out_of_budget
        value = max((child.score for child in scored), default=0.0)
        for tree in path:
            tree.visits += 1
            tree.total += value
        for tree in reversed(path):  # close what has nothing open below it
            tree.closed = tree.saturated and all(child.closed for child in tree.children)
            if not tree.closed:
                break
    return search.result()
