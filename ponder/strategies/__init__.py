"""Strategies (system 2): how to spend a budget. `registry.py` holds one spec per strategy; `base.py` the
Run every strategy works through. Importing this package loads neither."""

from __future__ import annotations

from ponder.strategies.registry import SPECS, Strategy, StrategyError, StrategySpec, default_strategy, get_spec

STRATEGIES = SPECS  # name -> spec; a spec is called like the strategy: `await spec(run, **options)`


def get_strategy(name: str) -> StrategySpec:
    """The strategy a name denotes (raises StrategyError, naming the choices, for an unknown one)."""
    return get_spec(name)


__all__ = ["STRATEGIES", "Strategy", "StrategyError", "StrategySpec", "default_strategy", "get_spec", "get_strategy"]
