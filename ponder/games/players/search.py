"""Search players: MCTS under a search budget, exact perfect play, and the CFR+ average policy (an
approximate Nash equilibrium, computed once per game)."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass, field

import numpy as np
import pyspiel

from ponder.budget import SearchBudget, SearchLimits
from ponder.games.solvers.mcts import search
from ponder.games.players.base import Move, sample
from ponder.games.solvers.exact import ExactSolver

log = logging.getLogger(__name__)


@dataclass
class MCTSPlayer:
    """UCT with random rollouts and exact solving; each move gets a fresh SearchBudget of `limits`."""

    limits: SearchLimits
    name: str = "mcts"
    exploration: float = math.sqrt(2)

    def _search(self, state: pyspiel.State, rng: random.Random):
        return search(state, SearchBudget(self.limits), rng, exploration=self.exploration)

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        decision = self._search(state, rng)
        return Move(decision.action, {"simulations": decision.simulations, "seconds": round(decision.seconds, 6)})

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        """Root visit frequencies (the chosen move alone when search proved the position)."""
        decision = self._search(state, rng)
        total = sum(decision.visits.values())
        if decision.proven is not None or total == 0:
            return {decision.action: 1.0}
        return {a: v / total for a, v in decision.visits.items()}


@dataclass
class SolverPlayer:
    """Perfect play by exact backward induction (small games); ties broken at random."""

    game: pyspiel.Game
    name: str = "solver"
    solver: ExactSolver = field(init=False)

    def __post_init__(self) -> None:
        self.solver = ExactSolver(self.game)

    def _best(self, state: pyspiel.State, player: int) -> list[int]:
        values = {a: self.solver.value(state.child(a))[player] for a in state.legal_actions()}
        top = max(values.values())
        return [a for a, v in values.items() if v == top]

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        return Move(rng.choice(self._best(state, player)))

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        best = self._best(state, player)
        return {a: 1.0 / len(best) for a in best}


@dataclass
class PolicyPlayer:
    """Plays a tabular policy {information_state_string: {action: probability}} (e.g. CFR+'s average)."""

    policy: dict[str, dict[int, float]]
    name: str = "cfr"

    async def distribution(self, state: pyspiel.State, player: int, rng: random.Random) -> dict[int, float]:
        row = self.policy.get(state.information_state_string(player))
        if row is None:  # cannot happen for a policy of this game; uniform keeps play going
            legal = state.legal_actions(player)
            return {a: 1.0 / len(legal) for a in legal}
        return row

    async def act(self, state: pyspiel.State, player: int, rng: random.Random) -> Move:
        return Move(sample(await self.distribution(state, player, rng), rng))


def cfr_player(game_name: str, limits: SearchLimits, name: str) -> PolicyPlayer:
    """The CFR+ average policy after the iterations `limits` allow (the player's whole thinking budget,
    spent once before play)."""
    from ponder.games.solvers.cfr import run_cfr_plus
    from ponder.games.rules.tree import build, policy_dict

    tree = build(game_name)
    solution = run_cfr_plus(tree, SearchBudget(limits))
    policy = policy_dict(tree, np.asarray(solution.average))
    log.info("%s: %d CFR+ iterations in %.2f s", name, solution.iterations, solution.seconds)
    return PolicyPlayer(policy, name)
