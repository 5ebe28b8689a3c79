"""The strategy registry (system 2): one line per strategy."""

from __future__ import annotations

from typing import Awaitable, Callable

from ponder.strategies.adaptive import adaptive
from ponder.strategies.base import Run, StrategyError
from ponder.strategies.best_of_n import best_of_n
from ponder.strategies.majority import majority
from ponder.strategies.revise import revise
from ponder.strategies.single import single
from ponder.strategies.weighted_majority import weighted_majority
from ponder.types import Result

Strategy = Callable[[Run], Awaitable[Result]]
STRATEGIES: dict[str, Strategy] = {
    "single": single,
    "best_of_n": best_of_n,
    "majority": majority,
    "weighted_majority": weighted_majority,
    "revise": revise,
    "adaptive": adaptive,
}
NEEDS_VERIFIER = frozenset({"best_of_n", "weighted_majority", "revise"})
USES_VERIFIER = NEEDS_VERIFIER | {"adaptive"}  # adaptive consults one when the task has one


def get_strategy(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise StrategyError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")
    return STRATEGIES[name]
